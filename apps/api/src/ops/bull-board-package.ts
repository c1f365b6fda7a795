/**
 * @bull-board/nestjs, loaded with require() once @nestjs/common and @nestjs/core are evaluated: it is CommonJS and
 * require()s the ESM-only Nest 12 packages, which Jest's ESM runtime refuses while it is still walking the import
 * graph (see libs/auth/src/throttler-package.ts). Node loads it either way.
 */
import '@nestjs/common';
import '@nestjs/core';
import type * as BullBoardNest from '@bull-board/nestjs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const { BullBoardModule } = require('@bull-board/nestjs') as typeof BullBoardNest;
