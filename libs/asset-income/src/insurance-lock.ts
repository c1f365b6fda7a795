import type { EntityManager } from 'typeorm';
import { DomainError, type FieldError } from '#libs/common';
import { InsuranceLockStore } from './store/insurance-lock.store.js';

const lockStore = new InsuranceLockStore();

/**
 * The insurance lock (保险锁, "公司不得对外担保"): an operating entity that runs an asset-income project may not
 * guarantee anyone's debt and may not be a covered borrower, so the special fund in it can never be lost to
 * someone else's default. Guarantee and origination call these before registering an entity as a guarantor or
 * a covered borrower.
 *
 * The entity row is read FOR SHARE inside the caller's transaction: a project flagging the same entity takes
 * FOR UPDATE first, so a concurrent registration and flag cannot both commit.
 */
export async function assetIncomeLockViolation(
  manager: EntityManager,
  entityId: string | number | bigint,
  field = 'entityId',
): Promise<FieldError | null> {
  const state = await lockStore.lockState(manager, String(entityId));
  if (!state?.locked) return null;
  return {
    field,
    code: 'ASSET_INCOME_ENTITY_LOCKED',
    message: `operating entity ${entityId} runs asset-income project ${state.project_id ?? '?'} and may not guarantee debt or borrow under cover`,
  };
}

/** Throws ASSET_INCOME_ENTITY_LOCKED (422, the field named) when the entity is under the insurance lock. */
export async function assertNotAssetIncomeEntity(
  manager: EntityManager,
  entityId: string | number | bigint,
  field = 'entityId',
): Promise<void> {
  const violation = await assetIncomeLockViolation(manager, entityId, field);
  if (violation) throw new DomainError('ASSET_INCOME_ENTITY_LOCKED', violation.message, [violation]);
}
