import {
  type CfnElement,
  CustomResource,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as timestream from 'aws-cdk-lib/aws-timestream';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { InfluxDbSinkConfig } from '../config.js';
import { ENV, LAMBDA_ENTRIES, SERVICE_NAMES } from '../constants.js';
import { type FunctionPlacement, PfmFunction } from './PfmFunction.js';
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
  /** The endpoints the functions in the VPC reach AWS APIs through (no NAT). */
  endpoints: Construct[];
}

/**
 * The prediction store on Timestream for InfluxDB, the default (Timestream for LiveAnalytics takes no new
 * customers): the instance in isolated subnets of its own VPC (no NAT; AWS APIs through VPC endpoints), its
 * admin credentials, and the API token the functions use, both in Secrets Manager under the pipeline's key.
 * The token is made by the stack: a custom resource in the VPC signs in with the admin secret, ensures the
 * bucket and its database mapping, and stores a token scoped to the bucket; the same function rotates it on a
 * schedule. Every function that uses the store waits for the token (grantWrite/grantRead add the dependency).
 */
export class InfluxDbStore extends Construct implements PredictionStore {
  readonly kind = 'influxdb';
  readonly environment: Readonly<Record<string, string>>;
  /** The drift function writes its scores to measurement `drift_scores` of the same bucket. */
  readonly driftEnvironment: Readonly<Record<string, string>>;
  /** The forecast function writes measurement `forecasts` of the same bucket (its `environment` says where). */
  readonly forecastEnvironment: Readonly<Record<string, string>> = {};
  readonly placement: FunctionPlacement;
  readonly vpc: ec2.Vpc;
  readonly instance: timestream.CfnInfluxDBInstance;
  /** The initial admin user's name and password (InfluxDB UI login, token management). */
  readonly adminSecret: secretsmanager.Secret;
  /** The API token the functions send (a plain string), written by {@link token}. */
  readonly tokenSecret: secretsmanager.Secret;
  /** Makes the token at deploy time and rotates it (custom resource onEvent and rotation function). */
  readonly tokenFunction: PfmFunction;
  /** The token custom resource: the functions that use the store depend on it. */
  readonly token: CustomResource;

  constructor(scope: Construct, id: string, props: InfluxDbStoreProps) {
    super(scope, id);
    const network = this.isolatedNetwork();
    this.vpc = network.vpc;
    this.adminSecret = this.adminCredentials(props.key);
    this.tokenSecret = this.apiToken(props.key);
    this.instance = this.influxInstance(props, network);
    const url = `https://${this.instance.attrEndpoint}:${INFLUXDB_PORT}`;
    this.environment = {
      [ENV.sink]: 'influxdb',
      [ENV.influxUrl]: url,
      // The 1.x /write and /query APIs find the bucket through the database's DBRP mapping (made with the token).
      [ENV.influxDatabase]: props.settings.bucket,
      [ENV.influxTokenSecretArn]: this.tokenSecret.secretArn,
    };
    this.driftEnvironment = { ...this.environment };
    this.placement = {
      vpc: network.vpc,
      vpcSubnets: network.subnets,
      securityGroups: [network.clientSecurityGroup],
    };
    this.tokenFunction = this.tokenFunctionIn(props.settings, url);
    this.token = this.tokenResource(props.settings, url, network);
  }

  /** Lets the function read the API token (InfluxDB itself scopes the token to the bucket), once it exists. */
  grantWrite(fn: PfmFunction): void {
    this.grantToken(fn);
  }

  /** Lets the function read the API token (InfluxDB itself scopes the token to the bucket), once it exists. */
  grantRead(fn: PfmFunction): void {
    this.grantToken(fn);
  }

  private grantToken(fn: PfmFunction): void {
    this.tokenSecret.grantRead(fn.role);
    // A function that started before the token was made would fail its cold start on the placeholder.
    fn.function.node.addDependency(this.token);
  }

  /** The function that makes and rotates the token, in the VPC beside the instance. */
  private tokenFunctionIn(settings: InfluxDbSinkConfig, url: string): PfmFunction {
    const fn = new PfmFunction(this, 'TokenFunction', {
      entry: LAMBDA_ENTRIES.influxToken,
      serviceName: SERVICE_NAMES.influxToken,
      description: 'Makes the InfluxDB API token of the pfm functions (custom resource) and rotates it',
      memoryMb: 256,
      timeoutSeconds: 60,
      environment: {
        [ENV.influxUrl]: url,
        [ENV.influxOrg]: settings.organization,
        [ENV.influxBucket]: settings.bucket,
        [ENV.influxDatabase]: settings.bucket,
        [ENV.influxAdminSecretArn]: this.adminSecret.secretArn,
        [ENV.influxTokenSecretArn]: this.tokenSecret.secretArn,
      },
      ...this.placement,
    });
    this.adminSecret.grantRead(fn.role);
    this.tokenSecret.grantRead(fn.role);
    this.tokenSecret.grantWrite(fn.role);
    return fn;
  }

  /**
   * The custom resource (through the Provider framework, whose own function answers CloudFormation from outside
   * the VPC) and the secret's rotation schedule. The rotation waits for the first token and does not rotate on
   * creation: the custom resource has just made one.
   */
  private tokenResource(settings: InfluxDbSinkConfig, url: string, network: StoreNetwork): CustomResource {
    const providerLogs = new logs.LogGroup(this, 'TokenProviderLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stack = Stack.of(this);
    const functionLogicalId = stack.resolve(
      stack.getLogicalId(this.tokenFunction.function.node.defaultChild as CfnElement),
    ) as string;
    // The framework's own role, without the managed basic-execution policy: its log group and the invoke grant
    // the framework adds are all it holds.
    const frameworkRole = new iam.Role(this, 'TokenProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'CDK Provider framework of the InfluxDB token custom resource',
    });
    providerLogs.grantWrite(frameworkRole);
    const provider = new cr.Provider(this, 'TokenProvider', {
      onEventHandler: this.tokenFunction.function,
      logGroup: providerLogs,
      frameworkOnEventRole: frameworkRole,
    });
    Validations.of(frameworkRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${functionLogicalId}.Arn>:*]`,
      reason:
        'The Provider framework may invoke every version of the one token function (Resource <function ARN>:*); nothing else.',
    });
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-L1',
      reason: "The Provider framework's function runtime is chosen by the CDK release, not by this stack.",
    });
    const resource = new CustomResource(this, 'Token', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::InfluxDbToken',
      // A change of any of these makes a new token (Update) and revokes the old one.
      properties: {
        Url: url,
        Organization: settings.organization,
        Bucket: settings.bucket,
        TokenSecret: this.tokenSecret.secretArn,
      },
    });
    resource.node.addDependency(this.instance, ...network.endpoints);
    const rotation = this.tokenSecret.addRotationSchedule('Rotation', {
      rotationLambda: this.tokenFunction.function,
      automaticallyAfter: Duration.days(settings.tokenRotationDays),
      rotateImmediatelyOnUpdate: false,
    });
    rotation.node.addDependency(resource);
    // Secrets Manager may invoke the rotation function for this account's token secret only (confused deputy):
    // the permission CDK adds for the rotation names the service principal alone.
    for (const child of this.tokenFunction.function.node.children) {
      if (child instanceof lambda.CfnPermission && child.principal === 'secretsmanager.amazonaws.com') {
        child.sourceAccount = Stack.of(this).account;
        child.sourceArn = this.tokenSecret.secretArn;
      }
    }
    return resource;
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
    // What the functions in the VPC call: Secrets Manager (the token; the token function also the admin
    // secret), X-Ray (active tracing), EventBridge (the drift monitor's events) and DynamoDB (the drift state,
    // through a free gateway endpoint). CloudWatch needs none: logs and EMF metrics leave through Lambda's own
    // log delivery, not the function's network; KMS needs none: Secrets Manager, DynamoDB and EventBridge
    // call it on the functions' behalf.
    const interfaceEndpoints = {
      SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      XRay: ec2.InterfaceVpcEndpointAwsService.XRAY,
      EventBridge: ec2.InterfaceVpcEndpointAwsService.EVENTBRIDGE,
    };
    const endpoints: Construct[] = Object.entries(interfaceEndpoints).map(([endpointId, service]) =>
      vpc.addInterfaceEndpoint(endpointId, {
        service,
        subnets,
        open: false,
        securityGroups: [endpointSecurityGroup],
      }),
    );
    endpoints.push(
      vpc.addGatewayEndpoint('DynamoDb', {
        service: ec2.GatewayVpcEndpointAwsService.DYNAMODB,
        subnets: [subnets],
      }),
    );
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
    return { vpc, subnets, clientSecurityGroup, instanceSecurityGroup, endpoints };
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
    // Made by the token custom resource and rotated on a schedule by the same function (tokenResource).
    return new secretsmanager.Secret(this, 'TokenSecret', {
      description:
        'InfluxDB API token of the pfm functions (plain string), scoped to the bucket; made and rotated by the stack',
      encryptionKey: key,
    });
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
