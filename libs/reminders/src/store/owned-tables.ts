/** The tables the reminders library owns: only its stores write them. */
export const OWNED_TABLES = [
  'reminder_outbox',
  'reminder_delivery_attempts',
  'reminder_endpoints',
  'reminder_runs',
] as const;
