import * as errors from '../../src/domain/errors';
import { DomainError, RateLimitedError, UnavailableError, ValidationError } from '../../src/domain/errors';

const concrete = Object.entries(errors).filter(([name]) => name !== 'DomainError') as Array<[string, typeof DomainError]>;

describe('domain errors', () => {
  it.each(concrete)('%s is a DomainError named after its class, with its own default code', (name, ErrorClass) => {
    expect(typeof ErrorClass.defaultCode).toBe('string');
    expect(ErrorClass.defaultCode).toMatch(/^[a-z_]+$/);
    expect(ErrorClass.prototype).toBeInstanceOf(DomainError);
    expect(ErrorClass.name).toBe(name);
  });

  it('no two classes share a default code', () => {
    const codes = concrete.map(([, ErrorClass]) => ErrorClass.defaultCode);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('when the thrower names a code, then it replaces the default; the message and name stay', () => {
    const plain = new ValidationError('bad');
    expect(plain).toMatchObject({ name: 'ValidationError', message: 'bad', code: 'invalid_request' });
    const named = new ValidationError('bad field', 'invalid_value', { field: 'x' });
    expect(named).toMatchObject({ name: 'ValidationError', code: 'invalid_value', details: { field: 'x' } });
    expect(named).toBeInstanceOf(Error);
  });

  it('errors with fixed codes keep their extra fields', () => {
    expect(new RateLimitedError('group', 30)).toMatchObject({ code: 'rate_limited', scope: 'group', retryAfterSeconds: 30, message: 'rate limit exceeded' });
    const cause = new Error('ECONNREFUSED');
    expect(new UnavailableError('repository down', 7, cause)).toMatchObject({ code: 'unavailable', retryAfterSeconds: 7, cause, name: 'UnavailableError' });
  });
});
