import { describe, expect, it } from 'vitest';
import { ConfigError } from '#pkg/config/index.ts';
import {
  applyOverrides, changedFlags, decideFlag, defaultTable, FlagsFileError, overrideVariable, parseFlagsFile, readEnvOverrides,
} from './table.ts';

describe('parseFlagsFile', () => {
  it('reads the contract YAML shape: a rule with tenants and a boolean shorthand', () => {
    const table = parseFlagsFile('flags.yaml', [
      'distributed-cache:',
      '  default: true',
      '  tenants: { canary: false }',
      'llm-real-provider: false',
    ].join('\n'));
    expect(table['distributed-cache']).toEqual({ default: true, tenants: { canary: false } });
    expect(table['llm-real-provider']).toEqual({ default: false, tenants: {} });
  });

  it('reads JSON and the on/off words', () => {
    const table = parseFlagsFile('flags.json', '{"distributed-cache": {"default": "off", "tenants": {"acme": "on"}}}');
    expect(table['distributed-cache']).toEqual({ default: false, tenants: { acme: true } });
  });

  it('keeps the default of a flag the file leaves out or gives no default', () => {
    const table = parseFlagsFile('f.yaml', 'llm-real-provider:\n  tenants: { beta: false }\n');
    expect(table['distributed-cache'].default).toBe(true);
    expect(table['llm-real-provider']).toEqual({ default: true, tenants: { beta: false } });
  });

  it('treats an empty file as every flag at its default', () => {
    expect(parseFlagsFile('f.yaml', '')).toEqual(defaultTable());
    expect(parseFlagsFile('f.yaml', '# nothing yet\n')).toEqual(defaultTable());
  });

  it.each([
    ['an unknown flag name', 'distributed-cach: false', /unknown flag "distributed-cach"/],
    ['an unknown rule field', 'distributed-cache: { defualt: false }', /unknown field "defualt"/],
    ['a non-boolean default', 'distributed-cache: { default: 1 }', /distributed-cache\.default/],
    ['a non-boolean tenant value', 'distributed-cache: { tenants: { acme: maybe } }', /distributed-cache\.tenants\.acme/],
    ['tenants that are a list', 'distributed-cache: { tenants: [acme] }', /tenants: expected a map/],
    ['a top-level list', '- distributed-cache', /expected a map of flag name/],
    ['broken YAML', 'distributed-cache: [', /not valid YAML or JSON/],
    ['a duplicated flag', 'distributed-cache: true\ndistributed-cache: false', /not valid YAML or JSON/],
  ])('refuses %s, naming the file', (_what, text, message) => {
    const attempt = () => parseFlagsFile('/etc/flags/flags.yaml', text);
    expect(attempt).toThrow(FlagsFileError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'invalid_flags_file' }));
    expect(attempt).toThrow(/\/etc\/flags\/flags\.yaml/);
    expect(attempt).toThrow(message);
  });

  it('keeps a tenant named like an Object member as a plain entry', () => {
    const table = parseFlagsFile('f.yaml', 'distributed-cache: { tenants: { constructor: false } }');
    expect(decideFlag(table, 'distributed-cache', 'constructor').value).toBe(false);
    expect(decideFlag(table, 'distributed-cache', 'toString').value).toBe(true);
  });
});

describe('env overrides', () => {
  it('names each flag APP_FLAG_<NAME>', () => {
    expect(overrideVariable('distributed-cache')).toBe('APP_FLAG_DISTRIBUTED_CACHE');
    expect(overrideVariable('llm-real-provider')).toBe('APP_FLAG_LLM_REAL_PROVIDER');
  });

  it('reads on and off in any case and ignores empty values', () => {
    expect(readEnvOverrides({ APP_FLAG_DISTRIBUTED_CACHE: 'OFF', APP_FLAG_LLM_REAL_PROVIDER: 'on', PATH: '/bin' }))
      .toEqual({ 'distributed-cache': false, 'llm-real-provider': true });
    expect(readEnvOverrides({ APP_FLAG_DISTRIBUTED_CACHE: '' })).toEqual({});
  });

  it('refuses an unknown flag variable and a bad value, naming the variables', () => {
    let caught: unknown;
    try {
      readEnvOverrides({ APP_FLAG_DISTRIBUTED_CACH: 'off', APP_FLAG_LLM_REAL_PROVIDER: 'yes' });
    } catch (err) { caught = err; }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).invalid.map((i) => i.name).sort()).toEqual(['APP_FLAG_DISTRIBUTED_CACH', 'APP_FLAG_LLM_REAL_PROVIDER']);
  });

  it('replaces the default but leaves the tenant entries in force', () => {
    const file = parseFlagsFile('f.yaml', 'distributed-cache: { default: true, tenants: { canary: true, beta: false } }');
    const table = applyOverrides(file, { 'distributed-cache': false });
    expect(decideFlag(table, 'distributed-cache', 'acme').value).toBe(false);
    expect(decideFlag(table, 'distributed-cache', 'canary').value).toBe(true);
    expect(decideFlag(table, 'distributed-cache', 'beta').value).toBe(false);
    expect(table['llm-real-provider']).toEqual(file['llm-real-provider']);
    expect(file['distributed-cache'].default).toBe(true);
  });
});

describe('decideFlag', () => {
  const table = parseFlagsFile('f.yaml', 'distributed-cache: { default: false, tenants: { canary: true } }');

  it('answers a targeted tenant with its entry', () => {
    expect(decideFlag(table, 'distributed-cache', 'canary')).toEqual({ value: true, reason: 'TARGETING_MATCH' });
  });

  it('answers other tenants, and calls without a tenant, with the default', () => {
    expect(decideFlag(table, 'distributed-cache', 'acme')).toEqual({ value: false, reason: 'STATIC' });
    expect(decideFlag(table, 'distributed-cache', undefined)).toEqual({ value: false, reason: 'DEFAULT' });
  });
});

describe('changedFlags', () => {
  it('lists the flags whose default or tenants differ, ignoring tenant order', () => {
    const a = parseFlagsFile('f', 'distributed-cache: { tenants: { x: true, y: false } }');
    const b = parseFlagsFile('f', 'distributed-cache: { tenants: { y: false, x: true } }');
    const c = parseFlagsFile('f', 'distributed-cache: { tenants: { y: false, x: true } }\nllm-real-provider: off');
    expect(changedFlags(a, b)).toEqual([]);
    expect(changedFlags(b, c)).toEqual(['llm-real-provider']);
  });
});
