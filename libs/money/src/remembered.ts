/**
 * A pure function of a text or number remembered per argument, in a bounded map (cleared when it holds `max`
 * entries): what the exact arithmetic parses or derives from a rate, a term or a date is the same every time, and a
 * book asks for the same few of them at every instalment. The function must be pure and its results never changed
 * by callers (freeze objects).
 */
export function remembered<K extends string | number, V>(
  compute: (key: K) => V,
  max = 10_000,
): (key: K) => V {
  const known = new Map<K, V>();
  return (key) => {
    let value = known.get(key);
    if (value === undefined) {
      value = compute(key);
      if (known.size >= max) known.clear();
      known.set(key, value);
    }
    return value;
  };
}
