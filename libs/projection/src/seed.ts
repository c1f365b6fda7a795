import type { INestApplicationContext } from '@nestjs/common';
import { ProjectionService } from './projection.service.js';

export const DEMO_SCENARIO_NAME = '示例：还款率降至85% (demo: repayment falls to 85 %)';

/**
 * The demo projection: one saved scenario (15 % of mutual-aid borrowers default, some pay late, two applications a
 * village a month, a risk-fund top-up next year) and one finished run of it, computed in process so the demo has
 * bands and a chart before any worker runs (the queued job then finds the run done and leaves it). Idempotent: a
 * scenario of that name already saved is left as it is.
 */
export async function seedProjections(app: INestApplicationContext): Promise<string[]> {
  const projections = app.get(ProjectionService, { strict: false });
  if (await projections.scenarioNamed(DEMO_SCENARIO_NAME)) return ['demo scenario already saved'];
  const scenario = await projections.createScenario({
    name: DEMO_SCENARIO_NAME,
    description: 'twelve months, 20 runs: what the demo funds can do if repayment falls',
    spec: {
      horizonMonths: 12,
      runs: 20,
      seed: 2026,
      behaviour: {
        MUTUAL_AID: { latePercent: 10, lateDays: { min: 3, max: 45 }, defaultPercent: 15 },
        HOUSEHOLD_MICROCREDIT: { latePercent: 5, lateDays: { min: 1, max: 20 }, defaultPercent: 5 },
      },
      newDemand: { applicationsPerVillagePerMonth: 2, amount: { min: '2000.00', max: '8000.00', step: '500.00' }, termMonths: [6, 12] },
      recoveries: { percentOfCompensation: 30, afterMonths: 6 },
    },
  });
  const run = await projections.createProjection({ scenarioId: scenario.id });
  const outcome = await projections.execute(run.id);
  return [`scenario ${scenario.id} "${scenario.name}" (version ${scenario.version})`, `projection ${run.id}: ${outcome}`];
}
