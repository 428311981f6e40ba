import { parseClusterNodes, type ClusterNode } from '../adapters/redis/cluster-nodes';

/**
 * How one variable's raw string is checked and turned into its value (convict's `format`).
 * `describe` is the accepted form in words: the README's table shows it, and every refusal says it.
 */
export interface Format<T> {
  describe: string;
  /** The value, or throws an Error whose message says what was wrong with `raw`. */
  parse(raw: string): T;
  /** The value as written in `.env.example`. */
  show(value: T): string;
  /** The JSON type a CONFIG_FILE must give the value in. */
  json: 'number' | 'boolean' | 'string';
}

const refuse = (format: { describe: string }, raw: string): never => {
  throw new Error(`must be ${format.describe}, got "${raw}"`);
};

export const text: Format<string> = {
  describe: 'any text',
  parse: (raw) => raw,
  show: (value) => value,
  json: 'string',
};

export function int(min: number, max: number = Number.MAX_SAFE_INTEGER): Format<number> {
  const format: Format<number> = {
    describe: max === Number.MAX_SAFE_INTEGER ? `a whole number, at least ${min}` : `a whole number from ${min} to ${max}`,
    parse: (raw) => {
      const value = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
      return value >= min && value <= max ? value : refuse(format, raw);
    },
    show: String,
    json: 'number',
  };
  return format;
}

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

export const bool: Format<boolean> = {
  describe: 'true or false',
  parse: (raw) => {
    if (TRUE.includes(raw.toLowerCase())) return true;
    return FALSE.includes(raw.toLowerCase()) ? false : refuse(bool, raw);
  },
  show: String,
  json: 'boolean',
};

/** One of a few words, in any case; `values` maps each accepted word to its value (aliases share one). */
export function choice<const T extends string>(values: Readonly<Record<string, T>>): Format<T> {
  const words = Object.keys(values);
  const format: Format<T> = {
    describe: `one of ${words.join(', ')}`,
    parse: (raw) => values[raw.toLowerCase()] ?? refuse(format, raw),
    show: (value) => words.find((word) => values[word] === value) ?? value,
    json: 'string',
  };
  return format;
}

export function oneOf<const T extends string>(words: readonly T[]): Format<T> {
  return choice(Object.fromEntries(words.map((word) => [word, word])) as Record<string, T>);
}

export function url(...protocols: string[]): Format<string> {
  const format: Format<string> = {
    describe: `a URL starting ${protocols.map((p) => `${p}//`).join(' or ')}`,
    parse: (raw) => {
      // Not echoed: a URL may carry a password.
      if (!URL.canParse(raw) || !protocols.includes(new URL(raw).protocol)) throw new Error(`must be ${format.describe}`);
      return raw;
    },
    show: (value) => value,
    json: 'string',
  };
  return format;
}

/** A comma-separated list; blanks around items are dropped. */
export function list(options: { lowercase?: boolean } = {}): Format<string[]> {
  return {
    describe: 'a comma-separated list',
    parse: (raw) => raw.split(',').map((item) => (options.lowercase ? item.trim().toLowerCase() : item.trim())).filter(Boolean),
    show: (value) => value.join(','),
    json: 'string',
  };
}

/** A non-empty comma-separated list of short lowercase names. */
export const names: Format<string[]> = {
  describe: 'a comma-separated list of lowercase names (a-z, 0-9, _ and -)',
  parse: (raw) => {
    const items = list().parse(raw);
    return items.length > 0 && items.every((item) => /^[a-z0-9_-]{1,32}$/.test(item)) ? items : refuse(names, raw);
  },
  show: (value) => value.join(','),
  json: 'string',
};

export function secret(minLength: number): Format<string> {
  return {
    describe: `at least ${minLength} characters`,
    // The value is a secret: the refusal says its length, never the value.
    parse: (raw) => {
      if (raw.length < minLength) throw new Error(`must be at least ${minLength} characters, got ${raw.length}`);
      return raw;
    },
    show: () => '',
    json: 'string',
  };
}

/** A PEM key; `\n` escapes (one-line .env values) become newlines. */
export const pem: Format<string> = {
  describe: 'a PEM public key (-----BEGIN …; \\n for newlines on one line)',
  parse: (raw) => {
    const key = raw.replace(/\\n/g, '\n');
    if (!key.includes('-----BEGIN')) throw new Error('must be a PEM public key (-----BEGIN PUBLIC KEY----- …)');
    return key;
  },
  show: (value) => value.replace(/\n/g, '\\n'),
  json: 'string',
};

/** Express's `trust proxy`: a hop count, true or false, or the addresses and subnets to trust. */
export const trustProxy: Format<string | number | boolean> = {
  describe: 'true, false, a hop count, or comma-separated addresses and subnets',
  parse: (raw) => {
    if (/^\d+$/.test(raw)) return Number(raw);
    if (raw === 'true' || raw === 'false') return raw === 'true';
    return raw;
  },
  show: String,
  json: 'string',
};

export const clusterNodes: Format<ClusterNode[]> = {
  describe: 'host:port,host:port,…',
  parse: (raw) => {
    try {
      return parseClusterNodes(raw);
    } catch (error) {
      throw new Error((error as Error).message.replace(/^REDIS_CLUSTER_NODES: /, ''));
    }
  },
  show: (nodes) => nodes.map((n) => `${n.host}:${n.port}`).join(','),
  json: 'string',
};

/** The variable may stay unset: its value is then null. */
export function optional<T>(format: Format<T>): Format<T | null> {
  return { ...format, show: (value) => (value === null ? '' : format.show(value)) };
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** Where a listener binds: `host:port`, an IPv6 host in brackets, or `off` for none (null). */
export const listenAddress: Format<ListenAddress | null> = {
  describe: 'host:port (an IPv6 host in brackets), or off',
  parse: (raw) => {
    if (raw.toLowerCase() === 'off') return null;
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(raw);
    const port = Number(match?.[3]);
    if (!match || port > 65535) return refuse(listenAddress, raw);
    return { host: match[1] ?? match[2]!, port };
  },
  show: (value) => (value === null ? 'off' : `${value.host.includes(':') ? `[${value.host}]` : value.host}:${value.port}`),
  json: 'string',
};
