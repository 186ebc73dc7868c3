import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, isSigned, listenOnLoopback, readBody } from './httpStandIn.js';

/**
 * TEST AID, not a DynamoDB implementation: an HTTP server on 127.0.0.1 that speaks DynamoDB's wire protocol
 * (AWS JSON 1.0: POST /, X-Amz-Target DynamoDB_20120810.<Action>) well enough for the unmodified SDK client given
 * an `endpoint`, for tables with a string partition key `pk` and sort key `sk`:
 * - PutItem, GetItem, DeleteItem with ConditionExpression (attribute_exists, attribute_not_exists, = <> < <= > >=
 *   on S and N values, AND, OR, NOT, parentheses; names and values through #name and :value placeholders), a
 *   failed condition answering ConditionalCheckFailedException;
 * - Query with KeyConditionExpression `#pk = :v` (pages of `pageSize` items, LastEvaluatedKey/ExclusiveStartKey);
 * - the 400 KB item size limit (ValidationException), unknown tables (ResourceNotFoundException).
 * Each request is handled whole before the next (Node's single thread), so conditional writes are atomic as in
 * DynamoDB. Calls are recorded for assertions.
 */

type Value = { S?: string; N?: string; B?: string; BOOL?: boolean };
type Item = Record<string, Value>;

const TARGET_PREFIX = 'DynamoDB_20120810.';
const MAX_ITEM_BYTES = 400 * 1024;

/** One call as the stand-in saw it. */
export interface DynamoDbCall {
  action: string;
  signed: boolean;
  contentType: string | undefined;
  status: number;
  errorType?: string;
}

class DynamoError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The DynamoDB stand-in (see the module comment). */
export class DynamoDbStandIn {
  readonly calls: DynamoDbCall[] = [];
  private readonly tables = new Map<string, Map<string, Item>>();

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    private readonly pageSize: number,
  ) {}

  /** Starts with the given (empty) tables; Query answers at most `pageSize` items a page. */
  static async start(options: { tables: string[]; pageSize?: number }): Promise<DynamoDbStandIn> {
    let standIn: DynamoDbStandIn | undefined;
    const server = createServer((req, res) => {
      void standIn?.handle(req, res);
    });
    standIn = new DynamoDbStandIn(server, await listenOnLoopback(server), options.pageSize ?? 100);
    for (const t of options.tables) standIn.tables.set(t, new Map());
    return standIn;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  /** The items of a table, as stored. */
  items(table: string): Item[] {
    return [...(this.tables.get(table)?.values() ?? [])];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    const call: DynamoDbCall = {
      action,
      signed: isSigned(req),
      contentType: req.headers['content-type'],
      status: 200,
    };
    this.calls.push(call);
    let status = 200;
    let body: unknown;
    try {
      const input = JSON.parse(await readBody(req)) as Record<string, unknown>;
      body = this.dispatch(action, input);
    } catch (error) {
      const type = error instanceof DynamoError ? error.type : 'InternalServerError';
      status = type === 'InternalServerError' ? 500 : 400;
      call.errorType = type;
      body = {
        __type: `com.amazonaws.dynamodb.v20120810#${type}`,
        message: String((error as Error).message),
      };
    }
    call.status = status;
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(body));
  }

  private dispatch(action: string, input: Record<string, unknown>): unknown {
    const table = this.tables.get(String(input.TableName));
    if (table === undefined) {
      throw new DynamoError('ResourceNotFoundException', `Requested resource not found: ${input.TableName}`);
    }
    const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (input.ExpressionAttributeValues ?? {}) as Record<string, Value>;
    const condition = input.ConditionExpression as string | undefined;
    switch (action) {
      case 'PutItem': {
        const item = input.Item as Item;
        if (itemBytes(item) > MAX_ITEM_BYTES) {
          throw new DynamoError('ValidationException', 'Item size has exceeded the maximum allowed size');
        }
        const id = keyOf(item);
        checkCondition(condition, table.get(id), names, values);
        table.set(id, item);
        return {};
      }
      case 'GetItem': {
        const item = table.get(keyOf(input.Key as Item));
        return item === undefined ? {} : { Item: item };
      }
      case 'DeleteItem': {
        const id = keyOf(input.Key as Item);
        checkCondition(condition, table.get(id), names, values);
        table.delete(id);
        return {};
      }
      case 'Query': {
        const match = /^\s*(#?\w+)\s*=\s*(:\w+)\s*$/.exec(String(input.KeyConditionExpression));
        if (!match) throw new DynamoError('ValidationException', 'only `pk = :v` key conditions here');
        const attr = resolveName(match[1] as string, names);
        const want = values[match[2] as string];
        const start = input.ExclusiveStartKey ? keyOf(input.ExclusiveStartKey as Item) : undefined;
        const all = [...table.entries()]
          .filter(([, item]) => compare(item[attr], want) === 0)
          .sort(([a], [b]) => (a < b ? -1 : 1));
        const from = start === undefined ? 0 : all.findIndex(([id]) => id > start);
        const page = from < 0 ? [] : all.slice(from, from + this.pageSize);
        const more = from >= 0 && from + this.pageSize < all.length;
        const last = page.at(-1)?.[1];
        return {
          Items: page.map(([, item]) => item),
          Count: page.length,
          ...(more && last ? { LastEvaluatedKey: { pk: last.pk, sk: last.sk } } : {}),
        };
      }
      default:
        throw new DynamoError('UnknownOperationException', `unsupported action ${action}`);
    }
  }
}

function keyOf(item: Item): string {
  const pk = item.pk?.S;
  const sk = item.sk?.S;
  if (pk === undefined || sk === undefined) {
    throw new DynamoError('ValidationException', 'The provided key element does not match the schema');
  }
  return JSON.stringify([pk, sk]);
}

function itemBytes(item: Item): number {
  let bytes = 0;
  for (const [name, v] of Object.entries(item)) {
    // Binary values travel base64-encoded and count by their decoded length
    // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
    bytes +=
      Buffer.byteLength(name) +
      (v.S !== undefined
        ? Buffer.byteLength(v.S)
        : v.B !== undefined
          ? Buffer.from(v.B, 'base64').byteLength
          : v.N !== undefined
            ? 21
            : 1);
  }
  return bytes;
}

function resolveName(token: string, names: Record<string, string>): string {
  if (!token.startsWith('#')) return token;
  const name = names[token];
  if (name === undefined) throw new DynamoError('ValidationException', `undefined attribute name ${token}`);
  return name;
}

/** -1, 0, 1, or undefined when the values cannot be compared (absent, or of different types). */
function compare(a: Value | undefined, b: Value | undefined): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  if (a.N !== undefined && b.N !== undefined) return Math.sign(Number(a.N) - Number(b.N));
  if (a.S !== undefined && b.S !== undefined) return a.S < b.S ? -1 : a.S > b.S ? 1 : 0;
  return undefined;
}

function checkCondition(
  expression: string | undefined,
  item: Item | undefined,
  names: Record<string, string>,
  values: Record<string, Value>,
): void {
  if (expression === undefined) return;
  if (!new ConditionParser(expression, item ?? {}, names, values).evaluate()) {
    throw new DynamoError('ConditionalCheckFailedException', 'The conditional request failed');
  }
}

/** Recursive descent over: or := and (OR and)*; and := not (AND not)*; not := NOT not | primary. */
class ConditionParser {
  private readonly tokens: string[];
  private at = 0;

  constructor(
    expression: string,
    private readonly item: Item,
    private readonly names: Record<string, string>,
    private readonly values: Record<string, Value>,
  ) {
    this.tokens = expression.match(/<>|<=|>=|[()=<>,]|[#:]?[A-Za-z_][\w]*/g) ?? [];
  }

  evaluate(): boolean {
    const result = this.or();
    if (this.at !== this.tokens.length) throw this.error();
    return result;
  }

  private or(): boolean {
    let result = this.and();
    while (this.peek()?.toUpperCase() === 'OR') {
      this.at++;
      const right = this.and();
      result = result || right;
    }
    return result;
  }

  private and(): boolean {
    let result = this.not();
    while (this.peek()?.toUpperCase() === 'AND') {
      this.at++;
      const right = this.not();
      result = result && right;
    }
    return result;
  }

  private not(): boolean {
    if (this.peek()?.toUpperCase() === 'NOT') {
      this.at++;
      return !this.not();
    }
    return this.primary();
  }

  private primary(): boolean {
    const token = this.next();
    if (token === '(') {
      const result = this.or();
      this.expect(')');
      return result;
    }
    if (token === 'attribute_exists' || token === 'attribute_not_exists') {
      this.expect('(');
      const name = resolveName(this.next(), this.names);
      this.expect(')');
      const exists = this.item[name] !== undefined;
      return token === 'attribute_exists' ? exists : !exists;
    }
    const left = this.operand(token);
    const op = this.next();
    const right = this.operand(this.next());
    const c = compare(left, right);
    if (c === undefined) return op === '<>';
    switch (op) {
      case '=':
        return c === 0;
      case '<>':
        return c !== 0;
      case '<':
        return c < 0;
      case '<=':
        return c <= 0;
      case '>':
        return c > 0;
      case '>=':
        return c >= 0;
      default:
        throw this.error();
    }
  }

  private operand(token: string): Value | undefined {
    if (token.startsWith(':')) {
      const v = this.values[token];
      if (v === undefined) throw new DynamoError('ValidationException', `undefined value ${token}`);
      return v;
    }
    return this.item[resolveName(token, this.names)];
  }

  private peek(): string | undefined {
    return this.tokens[this.at];
  }

  private next(): string {
    const token = this.tokens[this.at++];
    if (token === undefined) throw this.error();
    return token;
  }

  private expect(token: string): void {
    if (this.next() !== token) throw this.error();
  }

  private error(): DynamoError {
    return new DynamoError('ValidationException', `Invalid ConditionExpression: ${this.tokens.join(' ')}`);
  }
}
