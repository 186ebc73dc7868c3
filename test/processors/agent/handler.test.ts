import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { PfmError } from '../../../kernel/errors.js';
import { AGENT_FUNCTIONS } from '../../../processors/agent/constants.js';
import type { AgentTools } from '../../../processors/agent/core.js';
import { createAgentTools } from '../../../processors/agent/core.js';
import { createActionGroupHandler } from '../../../processors/agent/handler.js';
import type { PeriodQueries } from '../../../processors/store/types.js';

const NOW = Date.UTC(2026, 0, 7, 12);
const context = {} as Context;
const quiet = { debug() {}, warn() {}, error() {} };

/** A store whose every query fails the way a throttled Timestream does, or answers with nothing. */
function queries(fail?: PfmError): PeriodQueries {
  const answer = async <T>(value: T): Promise<T> => {
    if (fail) throw fail;
    return value;
  };
  return {
    dataSpan: () => answer({ predictions: 0, first: null, last: null }),
    fleetSummary: () =>
      answer({
        predictions: 0,
        devices: 0,
        predictedFailures: 0,
        devicesWithFailures: 0,
        predictedByMode: { TWF: 0, HDF: 0, PWF: 0, OSF: 0, RNF: 0 },
        meanRisk: null,
        first: null,
        last: null,
        readingMeans: null,
        readingSds: null,
        modelVersions: [],
        quarantined: 0,
        quarantinedByCode: {},
      }),
    riskRanking: () => answer([]),
    machineHistory: (o) =>
      answer({ deviceId: o.deviceId, summary: null, recent: [], alarms: [], quarantinedByCode: {} }),
    driftStatus: () => answer({ available: true, scopes: [], windowsByState: { OK: 0, WARN: 0, DRIFT: 0 } }),
  };
}

function handlerWith(tools: () => Promise<AgentTools>, seen: unknown[] = []) {
  return createActionGroupHandler({ tools, logger: quiet, onToolCall: (info) => seen.push(info) });
}

function functionEvent(fn: string, parameters: { name: string; type: string; value: string }[] = []) {
  return {
    messageVersion: '1.0',
    agent: { name: 'pfm-maintenance', id: 'AGENT12345', alias: 'TSTALIASID', version: 'DRAFT' },
    actionGroup: 'fleet',
    function: fn,
    parameters,
    inputText: 'which machines are at risk?',
    sessionId: 'session-1',
    sessionAttributes: { operator: 'ana' },
    promptSessionAttributes: {},
  };
}

const ok = () => Promise.resolve(createAgentTools({ queries: queries(), now: () => NOW }));

describe('action-group handler: the Bedrock function-details contract', () => {
  it('answers every declared function with compact JSON, echoing action group, function and session attributes', async () => {
    const handle = handlerWith(ok);
    for (const spec of AGENT_FUNCTIONS) {
      const params =
        spec.name === 'machine_history' ? [{ name: 'machine_id', type: 'string', value: 'M-0042' }] : [];
      const response = await handle(functionEvent(spec.name, params), context);
      expect(response).toMatchObject({
        messageVersion: '1.0',
        response: { actionGroup: 'fleet', function: spec.name },
        sessionAttributes: { operator: 'ana' },
      });
      expect(response.response.functionResponse.responseState).toBeUndefined();
      const body = JSON.parse(response.response.functionResponse.responseBody.TEXT.body);
      expect(body.tool).toBe(spec.name);
      expect(body.error).toBeUndefined();
    }
  });

  it('converts typed parameters (integers arrive as text)', async () => {
    const response = await handlerWith(ok)(
      functionEvent('top_at_risk', [
        { name: 'limit', type: 'integer', value: '3' },
        { name: 'window', type: 'integer', value: '15' },
        { name: 'mode', type: 'string', value: 'osf' },
        { name: 'period', type: 'string', value: 'this_week' },
      ]),
      context,
    );
    const body = JSON.parse(response.response.functionResponse.responseBody.TEXT.body);
    expect(body).toMatchObject({ limit: 3, window: 15, mode: 'OSF', period: { name: 'this_week' } });
  });

  it.each([
    [
      'limit=10000',
      'top_at_risk',
      [{ name: 'limit', type: 'integer', value: '10000' }],
      /limit must be at most 50/,
    ],
    [
      'window="1; select"',
      'top_at_risk',
      [{ name: 'window', type: 'integer', value: '1; select' }],
      /window must be a whole number/,
    ],
    [
      'an injected machine id',
      'machine_history',
      [{ name: 'machine_id', type: 'string', value: "M-0001'; DROP TABLE predictions; --" }],
      /machine_id must be letters, digits/,
    ],
    ['a missing machine id', 'machine_history', [], /machine_id is required/],
    [
      'an undeclared parameter',
      'fleet_summary',
      [{ name: 'sql', type: 'string', value: 'select 1' }],
      /unknown parameter/,
    ],
    [
      'a bad period',
      'drift_status',
      [{ name: 'period', type: 'string', value: 'since 1970' }],
      /period "since 1970" is not one of/,
    ],
  ])('refuses %s with a REPROMPT error body', async (_name, fn, params, message) => {
    const seen: unknown[] = [];
    const response = await handlerWith(ok, seen)(functionEvent(fn, params), context);
    expect(response.response.functionResponse.responseState).toBe('REPROMPT');
    const body = JSON.parse(response.response.functionResponse.responseBody.TEXT.body);
    expect(body.error).toMatchObject({ code: 'INVALID_TOOL_INPUT', retryable: false });
    expect(body.error.message).toMatch(message);
    expect(seen).toEqual([{ tool: fn, ok: false, code: 'INVALID_TOOL_INPUT' }]);
    expect(response.sessionAttributes).toEqual({ operator: 'ana' });
  });

  it('reports a failing store as an error the model can relay (no REPROMPT, retryable kept)', async () => {
    const throttled = new PfmError(
      'STORE_QUERY_FAILED',
      'Timestream is throttling queries; try again shortly',
      {
        retryable: true,
      },
    );
    const handle = handlerWith(() =>
      Promise.resolve(createAgentTools({ queries: queries(throttled), now: () => NOW })),
    );
    const response = await handle(functionEvent('fleet_summary'), context);
    expect(response.response.functionResponse.responseState).toBeUndefined();
    expect(JSON.parse(response.response.functionResponse.responseBody.TEXT.body)).toEqual({
      error: {
        code: 'STORE_QUERY_FAILED',
        message: 'Timestream is throttling queries; try again shortly',
        retryable: true,
      },
    });
  });

  it('reports a store that cannot be opened, and hides unexpected errors behind a generic message', async () => {
    const config = handlerWith(() =>
      Promise.reject(new PfmError('CONFIG_INVALID', 'InfluxDB is not queryable')),
    );
    const a = await config(functionEvent('fleet_summary'), context);
    expect(JSON.parse(a.response.functionResponse.responseBody.TEXT.body).error).toMatchObject({
      code: 'CONFIG_INVALID',
      message: 'InfluxDB is not queryable',
    });
    const bug = handlerWith(() => Promise.reject(new TypeError('secret internals')));
    const b = await bug(functionEvent('fleet_summary'), context);
    const body = b.response.functionResponse.responseBody.TEXT.body;
    expect(JSON.parse(body).error.code).toBe('INTERNAL');
    expect(body).not.toMatch(/secret internals/);
  });

  it('answers a function it does not know with an error body', async () => {
    const response = await handlerWith(ok)(functionEvent('drop_table'), context);
    expect(response.response.function).toBe('drop_table');
    expect(response.response.functionResponse.responseBody.TEXT.body).toMatch(/not been registered/);
  });

  it.each([
    ['null', null],
    ['a string', 'top_at_risk'],
    ['an empty object', {}],
    ['no agent', { ...functionEvent('fleet_summary'), agent: undefined }],
    ['parameters that are not a list', { ...functionEvent('fleet_summary'), parameters: 'limit=3' }],
    [
      'a parameter without a value',
      { ...functionEvent('fleet_summary'), parameters: [{ name: 'limit', type: 'integer' }] },
    ],
    ['no session attributes', { ...functionEvent('fleet_summary'), sessionAttributes: null }],
    [
      'an API-schema event',
      { messageVersion: '1.0', actionGroup: 'fleet', apiPath: '/top', httpMethod: 'GET' },
    ],
  ])('answers a malformed event (%s) with a FAILURE response, never a throw', async (_name, event) => {
    const response = await handlerWith(ok)(event, context);
    expect(response.messageVersion).toBe('1.0');
    expect(response.response.functionResponse.responseState).toBe('FAILURE');
    const body = JSON.parse(response.response.functionResponse.responseBody.TEXT.body);
    expect(body.error.code).toBe('MALFORMED_EVENT');
    expect(body.error.message).toMatch(/not a Bedrock agent function invocation/);
  });

  it('echoes the action group and function of a malformed event when they are there', async () => {
    const response = await handlerWith(ok)({ ...functionEvent('top_at_risk'), agent: null }, context);
    expect(response.response).toMatchObject({ actionGroup: 'fleet', function: 'top_at_risk' });
  });
});
