import { useSyncExternalStore } from 'react';

const QUERY = '(prefers-reduced-motion: reduce)';

function subscribe(changed: () => void): () => void {
  const list = window.matchMedia?.(QUERY);
  list?.addEventListener('change', changed);
  return () => list?.removeEventListener('change', changed);
}

/**
 * Whether the user asked the system for less motion (the OS or browser "reduce motion" setting), followed live. The
 * console then opens dialogs, drawers and lists at once instead of animating them: for people whom movement
 * disturbs, and on a slow office PC where an animation is still running when the next click comes.
 */
export function useReducedMotion(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => window.matchMedia?.(QUERY).matches ?? false,
    () => false,
  );
}
