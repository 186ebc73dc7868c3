import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PfmError } from '../../kernel/errors.js';
import {
  ESM_REQUIRE_BANNER,
  EXTERNAL_MODULES,
  handlerPath,
  PROJECT_ROOT,
  packageLayoutCommands,
} from '../bundling.js';
import { METRICS_NAMESPACE } from '../constants.js';

/** Node 24 is the newest Lambda Node runtime this CDK knows (cdk-nag L1 asks for the newest). */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Where a function runs when it must reach something inside a VPC (the InfluxDB store). */
export interface FunctionPlacement {
  vpc: ec2.IVpc;
  vpcSubnets: ec2.SubnetSelection;
  securityGroups: ec2.ISecurityGroup[];
}

export interface PfmFunctionProps extends Partial<FunctionPlacement> {
  /** Entry point relative to the project root; it must export `handler`. */
  entry: string;
  /** Powertools service name (logs, metrics dimension, traces). */
  serviceName: string;
  description: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Executions reserved for (and the most allowed to) the function; the account's shared pool when undefined. */
  reservedConcurrency?: number;
  environment?: Record<string, string>;
  /** Package model/artifacts/ with the function. */
  model?: boolean;
  /** Package onnxruntime-node (linux-x64 binary only). */
  onnxRuntime?: boolean;
}

/**
 * A Node.js function as every processor of this project runs: ESM bundle on Node 24 x86_64, its own role
 * and log group (no managed policies), X-Ray tracing, and the Powertools environment.
 */
export class PfmFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PfmFunctionProps) {
    super(scope, id);
    const entryPath = join(PROJECT_ROOT, props.entry);
    if (!existsSync(entryPath)) {
      throw new PfmError(
        'CONFIG_INVALID',
        `${this.node.path}: Lambda entry point ${props.entry} does not exist (expected a module exporting \`handler\` at ${entryPath})`,
      );
    }
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.serviceName} execution role`,
    });
    this.logGroup.grantWrite(this.role);
    const contents = {
      entry: props.entry,
      model: props.model ?? false,
      onnxRuntime: props.onnxRuntime ?? false,
    };

    this.function = new NodejsFunction(this, 'Function', {
      entry: entryPath,
      handler: handlerPath(props.entry),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.X86_64,
      description: props.description,
      memorySize: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      reservedConcurrentExecutions: props.reservedConcurrency,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // A 64 MB young generation: batch handlers keep thousands of rows alive across scavenges, and the 16 MB
        // default spends more time copying them than scoring them (BENCHMARKS.md, inference handler).
        NODE_OPTIONS: '--max-semi-space-size=64',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        // The AWS SDK is bundled too: the versions tested are the versions deployed.
        externalModules: [...EXTERNAL_MODULES],
        // Unminified, no source map: stack traces stay readable without --enable-source-maps' start-up cost.
        minify: false,
        sourceMap: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir, outputDir) => packageLayoutCommands(inputDir, outputDir, contents),
        },
      },
    });

    // Grants these actions only support on Resource "*" (no resource-level permissions exist for them).
    const unscoped = ['xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing)'];
    if (props.vpc) {
      // What AWSLambdaVPCAccessExecutionRole grants, inline: Lambda manages the function's ENIs with it.
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
      unscoped.push('the EC2 network-interface actions Lambda needs to place the function in the VPC');
    }
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `Resource "*" only for actions without resource-level permissions: ${unscoped.join('; ')}.`,
    });
  }
}
