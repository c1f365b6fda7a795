export * from './domain/index.js';
export * from './dto.js';
export * from './responses.js';
export * from './schedules.module.js';
export * from './schedules.service.js';
export * from './calendar-date.validator.js';
