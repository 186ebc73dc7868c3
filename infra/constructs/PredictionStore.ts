import { Duration, Fn, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as timestream from 'aws-cdk-lib/aws-timestream';
import { Construct } from 'constructs';
import type { SinkConfig } from '../config.js';
import { ENV, type ResourceNames, TIMESTREAM_TABLES, type TimestreamTableKey } from '../constants.js';
import type { PfmFunction } from './PfmFunction.js';

/** The port InfluxDB listens on (Timestream for InfluxDB's default). */
export const INFLUXDB_PORT = 8086;
const TABLE_IDS: Record<TimestreamTableKey, string> = {
  predictions: 'PredictionsTable',
  quarantine: 'QuarantineTable',
  drift: 'DriftTable',
};

/** Timestream for LiveAnalytics takes no new customers: this sink is for the accounts that already have it. */
function acknowledgeMaintenanceMode(resource: Construct): void {
  Validations.of(resource).acknowledge({
    id: 'CloudFormation-Validate::W3697',
    reason:
      'sink.kind=timestream is the opt-in choice for accounts that already use Timestream for LiveAnalytics; others use sink.kind=influxdb.',
  });
}

/** The initial admin user of the InfluxDB instance. */
export const INFLUXDB_ADMIN_USER = 'pfm-admin';

export interface PredictionStoreProps {
  sink: SinkConfig;
  names: ResourceNames;
  key: kms.IKey;
}

/** Where functions that talk to the store must run (InfluxDB only: it lives in private subnets). */
export interface StoreNetwork {
  vpc: ec2.IVpc;
  subnets: ec2.SubnetSelection;
  clientSecurityGroup: ec2.ISecurityGroup;
}

/**
 * The time-series store the predictions go to: Timestream for LiveAnalytics (a database and a table with
 * magnetic writes and an error-report bucket) or, for accounts without it, Timestream for InfluxDB in
 * private subnets with its API token in Secrets Manager.
 */
export class PredictionStore extends Construct {
  readonly kind: SinkConfig['kind'];
  /** The variables processors/config.ts reads to reach the store. */
  readonly environment: Record<string, string>;
  readonly network: StoreNetwork | undefined;
  /** Timestream tables by what they hold (empty for InfluxDB, whose measurements need no resources). */
  readonly tables: Partial<Record<TimestreamTableKey, timestream.CfnTable>> = {};
  readonly database?: timestream.CfnDatabase;
  readonly errorReportBucket?: s3.Bucket;
  readonly influx?: timestream.CfnInfluxDBInstance;
  readonly tokenSecret?: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: PredictionStoreProps) {
    super(scope, id);
    this.kind = props.sink.kind;
    if (props.sink.kind === 'timestream') {
      const sink = props.sink;
      const accessLogs = new s3.Bucket(this, 'AccessLogs', {
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycleRules: [{ expiration: Duration.days(365) }],
      });
      Validations.of(accessLogs).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          "This bucket receives the error-report bucket's server access logs; logging it too would need a third bucket, and so on.",
      });
      this.errorReportBucket = new s3.Bucket(this, 'RejectedRecords', {
        // Timestream writes its reports with SSE-S3 (the table's S3Configuration says so), so the bucket
        // default matches; server access logs cannot target a KMS-encrypted bucket either.
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        versioned: false,
        serverAccessLogsBucket: accessLogs,
        serverAccessLogsPrefix: 'rejected-records/',
        lifecycleRules: [{ expiration: Duration.days(90) }],
      });
      this.database = new timestream.CfnDatabase(this, 'Database', {
        databaseName: props.names.timestreamDatabase,
        kmsKeyId: props.key.keyArn,
      });
      this.database.applyRemovalPolicy(RemovalPolicy.RETAIN);
      acknowledgeMaintenanceMode(this.database);
      const bucketName = this.errorReportBucket.bucketName;
      for (const [key, tableName] of Object.entries(TIMESTREAM_TABLES) as [TimestreamTableKey, string][]) {
        const table = new timestream.CfnTable(this, TABLE_IDS[key], {
          databaseName: props.names.timestreamDatabase,
          tableName,
          retentionProperties: {
            MemoryStoreRetentionPeriodInHours: String(sink.memoryRetentionHours),
            MagneticStoreRetentionPeriodInDays: String(sink.magneticRetentionDays),
          },
          // Typed `any` in the L1: CloudFormation's own (PascalCase) property names, passed through as they are.
          magneticStoreWriteProperties: {
            EnableMagneticStoreWrites: true,
            MagneticStoreRejectedDataLocation: {
              S3Configuration: {
                BucketName: bucketName,
                EncryptionOption: 'SSE_S3',
                ObjectKeyPrefix: `${tableName}/`,
              },
            },
          },
        });
        table.addResourceDependency(this.database, 'a table needs its database');
        table.applyRemovalPolicy(RemovalPolicy.RETAIN);
        acknowledgeMaintenanceMode(table);
        this.tables[key] = table;
      }
      this.environment = {
        [ENV.sink]: 'timestream',
        [ENV.timestreamDatabase]: props.names.timestreamDatabase,
        [ENV.timestreamTable]: TIMESTREAM_TABLES.predictions,
        [ENV.timestreamQuarantineTable]: TIMESTREAM_TABLES.quarantine,
      };
      this.network = undefined;
      return;
    }

    const sink = props.sink;
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      flowLogs: { all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs) } },
    });
    const subnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    const clientSecurityGroup = new ec2.SecurityGroup(this, 'ClientSecurityGroup', {
      vpc,
      description: 'Functions that read or write the InfluxDB instance',
      allowAllOutbound: true,
    });
    // No NAT: the functions in the VPC reach AWS APIs through interface endpoints only, and only they may.
    const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc,
      description: 'Interface endpoints: HTTPS from the pipeline functions only',
      allowAllOutbound: false,
    });
    endpointSecurityGroup.addIngressRule(
      clientSecurityGroup,
      ec2.Port.tcp(443),
      'AWS APIs from the functions',
    );
    const endpoints = {
      SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      XRay: ec2.InterfaceVpcEndpointAwsService.XRAY,
    };
    for (const [endpointId, service] of Object.entries(endpoints)) {
      vpc.addInterfaceEndpoint(endpointId, {
        service,
        subnets,
        open: false,
        securityGroups: [endpointSecurityGroup],
      });
    }
    const influxSecurityGroup = new ec2.SecurityGroup(this, 'InfluxSecurityGroup', {
      vpc,
      description: 'Timestream for InfluxDB: the InfluxDB API from the pipeline functions only',
      allowAllOutbound: false,
    });
    influxSecurityGroup.addIngressRule(
      clientSecurityGroup,
      ec2.Port.tcp(INFLUXDB_PORT),
      'InfluxDB API from the functions',
    );

    const adminSecret = new secretsmanager.Secret(this, 'AdminSecret', {
      description: 'Initial admin user of the pfm InfluxDB instance (InfluxDB UI login, token management)',
      encryptionKey: props.key,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: INFLUXDB_ADMIN_USER }),
        generateStringKey: 'password',
        excludePunctuation: true,
        passwordLength: 32,
      },
    });
    Validations.of(adminSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The InfluxDB admin password is set once at instance creation; Timestream for InfluxDB offers no rotation hook for it. Change it in InfluxDB and update the secret.',
    });
    this.tokenSecret = new secretsmanager.Secret(this, 'TokenSecret', {
      description:
        'InfluxDB API token the pfm functions use. After deploy, create a token for the bucket in the InfluxDB UI and store it here (plain string).',
      encryptionKey: props.key,
    });
    Validations.of(this.tokenSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'InfluxDB API tokens are issued inside InfluxDB, not by Secrets Manager; an operator replaces the token there and updates this secret.',
    });

    const subnetIds = vpc.selectSubnets(subnets).subnetIds;
    this.influx = new timestream.CfnInfluxDBInstance(this, 'Influx', {
      name: props.names.influxInstance,
      dbInstanceType: sink.instanceType,
      dbStorageType: sink.storageType,
      allocatedStorage: sink.allocatedStorageGb,
      deploymentType: sink.multiAz ? 'WITH_MULTIAZ_STANDBY' : 'SINGLE_AZ',
      publiclyAccessible: false,
      port: INFLUXDB_PORT,
      vpcSubnetIds: sink.multiAz ? subnetIds : [Fn.select(0, subnetIds)],
      vpcSecurityGroupIds: [influxSecurityGroup.securityGroupId],
      // No KmsKeyId: the L1 offers it but CloudFormation's resource schema does not (CDK's template check
      // flags it); the instance's storage is encrypted at rest with an AWS-owned key.
      username: INFLUXDB_ADMIN_USER,
      password: adminSecret.secretValueFromJson('password').unsafeUnwrap(),
      organization: sink.organization,
      bucket: sink.bucket,
    });
    this.influx.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.environment = {
      [ENV.sink]: 'influxdb',
      [ENV.influxUrl]: `https://${this.influx.attrEndpoint}:${INFLUXDB_PORT}`,
      // The v1 write API the sink uses finds a bucket by name (InfluxDB 2's virtual DBRP mapping).
      [ENV.influxDatabase]: sink.bucket,
      [ENV.influxTokenSecretArn]: this.tokenSecret.secretArn,
    };
    this.network = { vpc, subnets, clientSecurityGroup };
  }

  /** Lets the function write to the given tables (InfluxDB: read the API token). */
  grantWrite(fn: PfmFunction, tables: readonly TimestreamTableKey[]): void {
    this.grant(fn, 'timestream:WriteRecords', tables);
  }

  /** Lets the function query the given tables (InfluxDB: read the API token). */
  grantRead(fn: PfmFunction, tables: readonly TimestreamTableKey[]): void {
    this.grant(fn, 'timestream:Select', tables);
  }

  private grant(fn: PfmFunction, action: string, tables: readonly TimestreamTableKey[]): void {
    if (this.tokenSecret) {
      this.tokenSecret.grantRead(fn.role);
      return;
    }
    const arns = tables.map((t) => (this.tables[t] as timestream.CfnTable).attrArn);
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [action], resources: arns }));
    this.grantDescribeEndpoints(fn);
  }

  private grantDescribeEndpoints(fn: PfmFunction): void {
    // Timestream's endpoint discovery; the documented exception to resource scoping.
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['timestream:DescribeEndpoints'], resources: ['*'] }),
    );
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'timestream:DescribeEndpoints (endpoint discovery before every Timestream call) supports only Resource "*" (Timestream IAM reference); X-Ray segment upload likewise.',
    });
  }
}
