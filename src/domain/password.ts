import { ValidationError } from './errors';

export const PASSWORD_MIN_LENGTH = 8;
// The upper bound keeps one login attempt from costing an unbounded amount of hashing.
export const PASSWORD_MAX_LENGTH = 1024;

export function checkPasswordPolicy(password: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new ValidationError(`password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`, 'invalid_password');
  }
}
