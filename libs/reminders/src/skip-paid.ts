export { skipPaidReminders } from './store/skip-paid.store.js';
