import type { PeriodQueries } from '../../../../processors/store/types.js';

/** A hand-written PeriodQueries: the methods a test gives answer, any other call fails the test. */
export function fakeQueries(methods: Partial<PeriodQueries>): PeriodQueries {
  const missing = (name: string) => () => Promise.reject(new Error(`unexpected query: ${name}`));
  return {
    dataSpan: methods.dataSpan ?? missing('dataSpan'),
    fleetSummary: methods.fleetSummary ?? missing('fleetSummary'),
    riskRanking: methods.riskRanking ?? missing('riskRanking'),
    machineHistory: methods.machineHistory ?? missing('machineHistory'),
    driftStatus: methods.driftStatus ?? missing('driftStatus'),
  };
}
