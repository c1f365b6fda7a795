export * from './business-date.service.js';
export * from './calendar.module.js';
export * from './domain/days.js';
export * from './dto.js';
