import { CfnOutput, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as timestream from 'aws-cdk-lib/aws-timestream';
import { Construct } from 'constructs';
import type { LiveAnalyticsSinkConfig } from '../config.js';
import { ENV, TIMESTREAM_TABLES, type TimestreamTableKey } from '../constants.js';
import { encryptedQueue } from './encryptedQueue.js';
import type { PfmFunction } from './PfmFunction.js';
import type { PredictionStore } from './PredictionStore.js';
import { ScopedRuleTarget } from './ScopedRuleTarget.js';

const TABLE_IDS: Record<TimestreamTableKey, string> = {
  predictions: 'PredictionsTable',
  quarantine: 'QuarantineTable',
  drift: 'DriftTable',
  forecasts: 'ForecastsTable',
};

export interface LiveAnalyticsStoreProps {
  settings: LiveAnalyticsSinkConfig;
  key: kms.IKey;
  /** Hears of every rejected-records report Timestream writes to the error-report bucket. */
  alerts: sns.ITopic;
}

/** Timestream for LiveAnalytics takes no new customers: this store is for the accounts that already have it. */
function acknowledgeMaintenanceMode(resource: Construct): void {
  Validations.of(resource).acknowledge({
    id: 'CloudFormation-Validate::W3697',
    reason:
      'Timestream for LiveAnalytics is closed to new customers since 2025-06-20 and in maintenance; sink.kind=timestream serves only accounts that already have it (a new account fails at CreateDatabase). Accounts without it set sink.kind=influxdb.',
  });
}

/**
 * The prediction store on Timestream for LiveAnalytics: a database encrypted with the pipeline's key, one
 * table per series (predictions, quarantine, drift scores, forecasts) with magnetic-store writes, and the bucket where
 * Timestream reports the late records it rejected.
 */
export class LiveAnalyticsStore extends Construct implements PredictionStore {
  readonly kind = 'timestream';
  readonly environment: Readonly<Record<string, string>>;
  readonly driftEnvironment: Readonly<Record<string, string>>;
  readonly forecastEnvironment: Readonly<Record<string, string>>;
  /** A public API endpoint: the functions run outside any VPC. */
  readonly placement = undefined;
  readonly database: timestream.CfnDatabase;
  /** The tables by what they hold. */
  readonly tables: Readonly<Record<TimestreamTableKey, timestream.CfnTable>>;
  /** Where Timestream writes its reports of rejected magnetic-store records. */
  readonly errorReportBucket: s3.Bucket;
  /** Tells the alerts topic of each report written to the error-report bucket. */
  readonly rejectedReportsRule: events.Rule;

  constructor(scope: Construct, id: string, props: LiveAnalyticsStoreProps) {
    super(scope, id);
    this.errorReportBucket = this.rejectedRecordsBucket();
    // Retained with its tables (the prediction history outlives the stack; README "What cdk destroy leaves"),
    // so CloudFormation names it: a fixed name would collide with the retained database on the next deploy.
    this.database = new timestream.CfnDatabase(this, 'Database', { kmsKeyId: props.key.keyArn });
    this.database.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const databaseName = this.database.ref;
    new CfnOutput(this, 'DatabaseName', {
      description: 'Timestream database (Grafana: the dashboard variable "database")',
      value: databaseName,
    });
    acknowledgeMaintenanceMode(this.database);
    const table = (key: TimestreamTableKey) => this.table(key, databaseName, props.settings);
    this.tables = {
      predictions: table('predictions'),
      quarantine: table('quarantine'),
      drift: table('drift'),
      forecasts: table('forecasts'),
    };
    this.environment = {
      [ENV.sink]: 'timestream',
      [ENV.timestreamDatabase]: databaseName,
      [ENV.timestreamTable]: TIMESTREAM_TABLES.predictions,
      [ENV.timestreamQuarantineTable]: TIMESTREAM_TABLES.quarantine,
    };
    this.driftEnvironment = {
      [ENV.timestreamDatabase]: databaseName,
      [ENV.timestreamDriftTable]: TIMESTREAM_TABLES.drift,
    };
    this.forecastEnvironment = { [ENV.timestreamForecastTable]: TIMESTREAM_TABLES.forecasts };
    this.rejectedReportsRule = this.reportRejections(props.alerts, props.key);
  }

  /**
   * Records written to the magnetic store (older than the memory store's retention) are checked after the write
   * call has succeeded; Timestream reports the ones it then rejects (a version conflict: the same reading re-scored
   * with the same PFM_MODEL_SEQUENCE but other values) only as objects in the error-report bucket (developer guide,
   * "Magnetic store writes": MagneticStoreRejectedDataLocation). The sink cannot see them, so each report becomes
   * an alert naming the object; README ("Timestream for LiveAnalytics") says how to read and replay it.
   */
  private reportRejections(alerts: sns.ITopic, key: kms.IKey): events.Rule {
    const rule = new events.Rule(this, 'RejectedRecordsReports', {
      description:
        'Timestream rejected-records reports written to the error-report bucket: to the alerts topic',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [this.errorReportBucket.bucketName] } },
      },
    });
    // Admitted to the topic for this rule only, as the retraining rule is (ScopedRuleTarget).
    const deadLetterQueue = encryptedQueue(this, 'RejectedReportsDlq', {
      key,
      deadLetterFor: 'the rejected-records report rule (alerts EventBridge could not deliver)',
    });
    rule.addTarget(
      ScopedRuleTarget.topic(alerts, {
        deadLetterQueue,
        retryAttempts: 8,
        maxEventAge: Duration.hours(24),
        input: events.RuleTargetInput.fromText(
          `Timestream rejected magnetic-store records (e.g. a version conflict): report s3://${events.EventField.fromPath('$.detail.bucket.name')}/${events.EventField.fromPath('$.detail.object.key')}`,
        ),
      }),
    );
    return rule;
  }

  grantWrite(fn: PfmFunction, tables: readonly TimestreamTableKey[]): void {
    this.grant(fn, 'timestream:WriteRecords', tables);
  }

  /** Select, and DescribeTable for the `DESCRIBE` TimestreamQueries runs on a table still missing columns. */
  grantRead(fn: PfmFunction, tables: readonly TimestreamTableKey[]): void {
    this.grant(fn, ['timestream:Select', 'timestream:DescribeTable'], tables);
  }

  /** The error-report bucket, with its server access logs in a bucket of their own. */
  private rejectedRecordsBucket(): s3.Bucket {
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
    return new s3.Bucket(this, 'RejectedRecords', {
      // Timestream writes its reports with SSE-S3 (the table's S3Configuration says so), so the bucket
      // default matches; server access logs cannot target a KMS-encrypted bucket either.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: false,
      // Object Created events to EventBridge, where reportRejections picks them up.
      eventBridgeEnabled: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'rejected-records/',
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
  }

  private table(
    key: TimestreamTableKey,
    databaseName: string,
    settings: LiveAnalyticsSinkConfig,
  ): timestream.CfnTable {
    const tableName = TIMESTREAM_TABLES[key];
    const table = new timestream.CfnTable(this, TABLE_IDS[key], {
      databaseName,
      tableName,
      retentionProperties: {
        MemoryStoreRetentionPeriodInHours: String(settings.memoryRetentionHours),
        MagneticStoreRetentionPeriodInDays: String(settings.magneticRetentionDays),
      },
      // Typed `any` in the L1: CloudFormation's own (PascalCase) property names, passed through as they are.
      magneticStoreWriteProperties: {
        EnableMagneticStoreWrites: true,
        MagneticStoreRejectedDataLocation: {
          S3Configuration: {
            BucketName: this.errorReportBucket.bucketName,
            EncryptionOption: 'SSE_S3',
            ObjectKeyPrefix: `${tableName}/`,
          },
        },
      },
    });
    table.addResourceDependency(this.database, 'a table needs its database');
    table.applyRemovalPolicy(RemovalPolicy.RETAIN);
    acknowledgeMaintenanceMode(table);
    return table;
  }

  private grant(fn: PfmFunction, actions: string | string[], tables: readonly TimestreamTableKey[]): void {
    const arns = tables.map((t) => this.tables[t].attrArn);
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [actions].flat(), resources: arns }));
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
