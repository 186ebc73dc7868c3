import { Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as timestream from 'aws-cdk-lib/aws-timestream';
import { Construct } from 'constructs';
import type { InfluxDbSinkConfig } from '../config.js';
import { ENV } from '../constants.js';
import type { FunctionPlacement, PfmFunction } from './PfmFunction.js';
import type { PredictionStore } from './PredictionStore.js';

/** The port InfluxDB listens on (Timestream for InfluxDB's default). */
const INFLUXDB_PORT = 8086;
/** The initial admin user of the InfluxDB instance. */
const INFLUXDB_ADMIN_USER = 'pfm-admin';

export interface InfluxDbStoreProps {
  settings: InfluxDbSinkConfig;
  key: kms.IKey;
}

/** The private network the instance and its clients share. */
interface StoreNetwork {
  vpc: ec2.Vpc;
  subnets: ec2.SubnetSelection;
  /** Carried by every function that talks to the instance; the instance and the endpoints admit it. */
  clientSecurityGroup: ec2.SecurityGroup;
  /** The instance's own: the InfluxDB API from the clients only. */
  instanceSecurityGroup: ec2.SecurityGroup;
}

/**
 * The prediction store on Timestream for InfluxDB, for accounts without LiveAnalytics: the instance in
 * isolated subnets of its own VPC (no NAT; AWS APIs through interface endpoints), its admin credentials and
 * the API token the functions use in Secrets Manager under the pipeline's key.
 */
export class InfluxDbStore extends Construct implements PredictionStore {
  readonly kind = 'influxdb';
  readonly environment: Readonly<Record<string, string>>;
  /** The drift function stays outside the VPC and reports its scores as metrics only. */
  readonly driftEnvironment = undefined;
  readonly placement: FunctionPlacement;
  readonly vpc: ec2.Vpc;
  readonly instance: timestream.CfnInfluxDBInstance;
  /** The initial admin user's name and password (InfluxDB UI login, token management). */
  readonly adminSecret: secretsmanager.Secret;
  /** The API token the functions send (a plain string). */
  readonly tokenSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: InfluxDbStoreProps) {
    super(scope, id);
    const network = this.isolatedNetwork();
    this.vpc = network.vpc;
    this.adminSecret = this.adminCredentials(props.key);
    this.tokenSecret = this.apiToken(props.key);
    this.instance = this.influxInstance(props, network);
    this.environment = {
      [ENV.sink]: 'influxdb',
      [ENV.influxUrl]: `https://${this.instance.attrEndpoint}:${INFLUXDB_PORT}`,
      // The v1 write API the sink uses finds a bucket by name (InfluxDB 2's virtual DBRP mapping).
      [ENV.influxDatabase]: props.settings.bucket,
      [ENV.influxTokenSecretArn]: this.tokenSecret.secretArn,
    };
    this.placement = {
      vpc: network.vpc,
      vpcSubnets: network.subnets,
      securityGroups: [network.clientSecurityGroup],
    };
  }

  /** Lets the function read the API token (InfluxDB itself scopes what the token may write). */
  grantWrite(fn: PfmFunction): void {
    this.tokenSecret.grantRead(fn.role);
  }

  /** Lets the function read the API token (InfluxDB itself scopes what the token may read). */
  grantRead(fn: PfmFunction): void {
    this.tokenSecret.grantRead(fn.role);
  }

  private isolatedNetwork(): StoreNetwork {
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      flowLogs: {
        all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs, this.flowLogsRole()) },
      },
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
    const instanceSecurityGroup = new ec2.SecurityGroup(this, 'InfluxSecurityGroup', {
      vpc,
      description: 'Timestream for InfluxDB: the InfluxDB API from the pipeline functions only',
      allowAllOutbound: false,
    });
    instanceSecurityGroup.addIngressRule(
      clientSecurityGroup,
      ec2.Port.tcp(INFLUXDB_PORT),
      'InfluxDB API from the functions',
    );
    return { vpc, subnets, clientSecurityGroup, instanceSecurityGroup };
  }

  /** The role VPC Flow Logs delivers with, assumable for this account's flow logs only (confused deputy). */
  private flowLogsRole(): iam.Role {
    const stack = Stack.of(this);
    return new iam.Role(this, 'FlowLogsRole', {
      description: 'VPC Flow Logs delivery to the store network flow log group',
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({ service: 'ec2', resource: 'vpc-flow-log', resourceName: '*' }),
          },
        },
      }),
    });
  }

  private adminCredentials(key: kms.IKey): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'AdminSecret', {
      description: 'Initial admin user of the pfm InfluxDB instance (InfluxDB UI login, token management)',
      encryptionKey: key,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: INFLUXDB_ADMIN_USER }),
        generateStringKey: 'password',
        excludePunctuation: true,
        passwordLength: 32,
      },
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Timestream for InfluxDB admin credentials can be rotated by a Secrets Manager rotation function (Timestream Developer Guide, "How Timestream for InfluxDB uses secrets"), but Secrets Manager has no hosted rotation for InfluxDB and this stack deploys none: the function would need the secret in its engine/dbIdentifier format and a place in the isolated VPC. Until then rotate by hand: change the password in InfluxDB, then update this secret.',
    });
    return secret;
  }

  private apiToken(key: kms.IKey): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'TokenSecret', {
      description:
        'InfluxDB API token the pfm functions use. After deploy, create a token for the bucket in the InfluxDB UI and store it here (plain string).',
      encryptionKey: key,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'InfluxDB API tokens are issued inside InfluxDB, not by Secrets Manager; an operator replaces the token there and updates this secret.',
    });
    return secret;
  }

  private influxInstance(props: InfluxDbStoreProps, network: StoreNetwork): timestream.CfnInfluxDBInstance {
    const { settings } = props;
    const subnetIds = network.vpc.selectSubnets(network.subnets).subnetIds;
    // No name: the instance is retained, and CloudFormation's generated name cannot collide with it next deploy.
    const instance = new timestream.CfnInfluxDBInstance(this, 'Influx', {
      dbInstanceType: settings.instanceType,
      dbStorageType: settings.storageType,
      allocatedStorage: settings.allocatedStorageGb,
      deploymentType: settings.multiAz ? 'WITH_MULTIAZ_STANDBY' : 'SINGLE_AZ',
      publiclyAccessible: false,
      port: INFLUXDB_PORT,
      vpcSubnetIds: settings.multiAz ? subnetIds : [Fn.select(0, subnetIds)],
      vpcSecurityGroupIds: [network.instanceSecurityGroup.securityGroupId],
      // No KmsKeyId: the L1 offers it but CloudFormation's resource schema does not (CDK's template check
      // flags it); the instance's storage is encrypted at rest with an AWS-owned key.
      username: INFLUXDB_ADMIN_USER,
      password: this.adminSecret.secretValueFromJson('password').unsafeUnwrap(),
      organization: settings.organization,
      bucket: settings.bucket,
    });
    instance.applyRemovalPolicy(RemovalPolicy.RETAIN);
    // The data outlives the stack (README "What cdk destroy leaves"), so must what the instance sits in: a subnet
    // or security group still in use cannot be deleted (the destroy would fail on it), and without the admin
    // secret nobody could sign in to export the data.
    const held = [
      network.vpc,
      ...network.vpc.isolatedSubnets,
      network.instanceSecurityGroup,
      this.adminSecret,
    ];
    for (const resource of held) resource.applyRemovalPolicy(RemovalPolicy.RETAIN);
    return instance;
  }
}
