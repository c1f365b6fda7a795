import { deliveryJobId, EnqueueStream, outboxIdOf } from './delivery-queue.js';

/** The streaming enqueuer on its own: chunking, overlap with the producer, and failure propagation. */
describe('EnqueueStream', () => {
  it('submits every pushed id exactly once, in full chunks while the producer runs and the rest at close', async () => {
    const batches: string[][] = [];
    const s = new EnqueueStream(
      async (ids) => {
        await new Promise((r) => setTimeout(r, 2));
        batches.push(ids);
      },
      10,
      3,
    );
    for (let k = 0; k < 7; k++) {
      s.push(Array.from({ length: 13 }, (_, i) => `${k}-${i}`));
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(await s.close()).toBe(91);
    const all = batches.flat();
    expect(all).toHaveLength(91);
    expect(new Set(all).size).toBe(91);
    // Only the last batch may be short.
    expect(batches.filter((b) => b.length !== 10)).toHaveLength(1);
    expect(batches.every((b) => b.length <= 10)).toBe(true);
  });

  it('starts enqueueing before the producer has finished', async () => {
    let firstAddAt = 0;
    const s = new EnqueueStream(
      async () => {
        firstAddAt ||= Date.now();
      },
      5,
      1,
    );
    s.push(['1', '2', '3', '4', '5']);
    await new Promise((r) => setTimeout(r, 20));
    const pushedLastAt = Date.now();
    s.push(['6']);
    await s.close();
    expect(firstAddAt).toBeGreaterThan(0);
    expect(firstAddAt).toBeLessThan(pushedLastAt);
  });

  it('rethrows the first failure at close and refuses further pushes', async () => {
    const s = new EnqueueStream(
      async (ids) => {
        if (ids.includes('bad')) throw new Error('redis down');
      },
      2,
      2,
    );
    s.push(['a', 'bad']);
    await new Promise((r) => setTimeout(r, 10));
    expect(() => s.push(['c'])).toThrow('redis down');
    await expect(s.close()).rejects.toThrow('redis down');
  });

  it('closes at once with nothing pushed', async () => {
    const s = new EnqueueStream(async () => undefined, 5, 4);
    expect(await s.close()).toBe(0);
  });
});

describe('delivery job ids', () => {
  it('name the outbox row and nothing else', () => {
    expect(deliveryJobId('42')).toBe('reminder.42');
    expect(outboxIdOf(deliveryJobId(123456789012n))).toBe('123456789012');
    expect(outboxIdOf('reminder.x')).toBeNull();
    expect(outboxIdOf('repeat:reminders.daily:1')).toBeNull();
    expect(outboxIdOf(undefined)).toBeNull();
  });
});
