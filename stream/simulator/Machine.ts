import type { MachineReading, QualityType, SensorReading } from '../../schemas/reading.js';
import { CALIBRATION as C, FIRMWARE_VERSIONS, WEAR_PER_PROCESS_MIN } from './constants.js';
import { deterministicFailures, roundFeature } from './physics.js';
import { createRandom, deriveSeed, type Random } from './random.js';
import type { GroundTruth } from './types.js';

/** Everything a machine needs to know about itself and the fleet's clock. */
export interface MachineOptions {
  /** Zero-based position in the fleet; names the device (index 0 -> M-0001) and derives its seed. */
  index: number;
  /** The fleet's seed; the machine's own streams are derived from it and its index. */
  seed: number;
  qualityType: QualityType;
  startTime: number;
  /** This machine's time between two readings (ms). */
  intervalMs: number;
  replaceToolOnOsf: boolean;
}

/** A process as the physics made it: true values, rounded as the dataset rounds them, and their labels. */
export interface MachineStep {
  reading: SensorReading;
  truth: GroundTruth;
}

/** Device id of the machine at a zero-based fleet index: M-0001, M-0002, ... */
export function deviceIdFor(index: number): string {
  return `M-${String(index + 1).padStart(4, '0')}`;
}

/**
 * One mill: its temperatures drift slowly (AR(1) processes), each process draws torque and speed, and its
 * tool wears by the quality's rate until it is replaced (sometimes by failing: TWF).
 */
export class Machine {
  readonly deviceId: string;
  readonly qualityType: QualityType;
  readonly firmware: string;
  /** Offset of this machine's readings within each interval, so the fleet does not report in lockstep. */
  readonly phaseMs: number;
  /** Time between two of this machine's readings (ms). */
  readonly intervalMs: number;
  private readonly random: Random;
  private readonly startTime: number;
  private readonly wearPerProcess: number;
  private readonly replaceToolOnOsf: boolean;
  /** Standardized air temperature. */
  private airState: number;
  /** Standardized part of the temperature difference that air does not explain. */
  private deltaState: number;
  private toolWearMin: number;
  private toolLifeMin: number;
  private sequenceNumber = 0;

  constructor(options: MachineOptions) {
    this.deviceId = deviceIdFor(options.index);
    this.qualityType = options.qualityType;
    this.random = createRandom(deriveSeed(options.seed, options.index, 0));
    this.startTime = options.startTime;
    this.intervalMs = options.intervalMs;
    this.wearPerProcess = WEAR_PER_PROCESS_MIN[options.qualityType];
    this.replaceToolOnOsf = options.replaceToolOnOsf;
    const firmwareIndex = Math.floor(this.random.uniform() * FIRMWARE_VERSIONS.length);
    this.firmware = FIRMWARE_VERSIONS[firmwareIndex] ?? FIRMWARE_VERSIONS[0];
    this.phaseMs = Math.floor(this.random.uniform() * options.intervalMs);
    // Start from the stationary distributions so a fresh fleet already looks like a running one.
    this.airState = this.random.normal();
    this.deltaState = this.random.normal();
    this.toolLifeMin = this.drawToolLife();
    this.toolWearMin = this.wearPerProcess * Math.floor(this.random.uniform() * this.processesPerTool());
  }

  /** Epoch milliseconds of this machine's next reading (whole ms: Avro timestamp-millis is a long). */
  get nextTimestamp(): number {
    return Math.round(this.nextTime);
  }

  /** The unrounded time of the next reading, which orders the fleet's readings exactly. */
  get nextTime(): number {
    return this.startTime + this.phaseMs + this.sequenceNumber * this.intervalMs;
  }

  /** Runs one process and returns its reading (true values) and labels. */
  step(): MachineStep {
    const values = this.sample();
    const { HDF, PWF, OSF } = deterministicFailures(values);
    const toolEnds = this.toolEndsNow();
    const TWF = toolEnds && this.random.uniform() < C.toolFailureShare;
    const RNF = this.random.uniform() < C.randomFailureProbability;
    const reading: SensorReading = {
      deviceId: this.deviceId,
      timestamp: this.nextTimestamp,
      sequenceNumber: this.sequenceNumber,
      firmware: this.firmware,
      ...values,
    };
    this.sequenceNumber += 1;
    this.advance(toolEnds || (OSF && this.replaceToolOnOsf));
    return { reading, truth: { TWF, HDF, PWF, OSF, RNF, failure: TWF || HDF || PWF || OSF || RNF } };
  }

  private sample(): MachineReading {
    const air = C.airMeanK + C.airSdK * this.airState;
    const r = C.deltaAirCorrelation;
    const delta = C.deltaMeanK + C.deltaSdK * (r * this.airState + Math.sqrt(1 - r * r) * this.deltaState);
    let torqueNm = 0;
    while (torqueNm <= 0) {
      torqueNm = roundFeature('torqueNm', C.torqueMeanNm + C.torqueSdNm * this.random.normal());
    }
    const speed = C.speedBaseRpm + C.speedTorqueRpmNm / torqueNm + C.speedNoiseSdRpm * this.random.normal();
    return {
      qualityType: this.qualityType,
      airTemperatureK: roundFeature('airTemperatureK', air),
      processTemperatureK: roundFeature('processTemperatureK', air + delta),
      rotationalSpeedRpm: Math.min(roundFeature('rotationalSpeedRpm', speed), C.speedMaxRpm),
      torqueNm,
      toolWearMin: this.toolWearMin,
    };
  }

  /** The tool's last process: the wear it starts with has reached the tool's life. */
  private toolEndsNow(): boolean {
    return this.toolWearMin >= this.toolLifeMin;
  }

  private advance(replaceTool: boolean): void {
    if (replaceTool) {
      this.toolWearMin = 0;
      this.toolLifeMin = this.drawToolLife();
    } else {
      this.toolWearMin += this.wearPerProcess;
    }
    this.airState = ar1(this.airState, C.airAr, this.random.normal());
    this.deltaState = ar1(this.deltaState, C.deltaAr, this.random.normal());
  }

  private drawToolLife(): number {
    return C.toolLifeMinMin + (C.toolLifeMaxMin - C.toolLifeMinMin) * this.random.uniform();
  }

  /** Number of processes a tool of the current life lasts, counting the one at wear 0. */
  private processesPerTool(): number {
    return Math.ceil(this.toolLifeMin / this.wearPerProcess) + 1;
  }
}

/** One step of a unit-variance AR(1) process. */
function ar1(state: number, coefficient: number, innovation: number): number {
  return coefficient * state + Math.sqrt(1 - coefficient * coefficient) * innovation;
}
