// The signed-in token, in one place: memory plus sessionStorage (it goes with the tab, never to
// localStorage). The page subscribes to learn when the session ends and why.

const KEY = 'telltale.token';

/** Why the token went away: the user signed out, or the API refused it (401). */
export type SignOutReason = 'signed_out' | 'expired';
type Listener = (reason: SignOutReason) => void;

let token: string | null = read();
const listeners = new Set<Listener>();

function read(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

function write(value: string | null): void {
  try {
    if (value === null) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, value);
  } catch {
    // Storage may be disabled; the token then lives in memory only.
  }
}

export const session = {
  token(): string | null {
    return token;
  },

  start(value: string): void {
    token = value;
    write(value);
  },

  /** Forgets the token and tells the subscribers, once per session. */
  end(reason: SignOutReason): void {
    const had = token !== null;
    token = null;
    write(null);
    if (had) for (const listener of [...listeners]) listener(reason);
  },

  /** Returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  },
};
