import type { Type } from '@nestjs/common';

/** The domain libraries the API serves. Each capability adds its module here. */
export const DOMAIN_MODULES: Type[] = [];
