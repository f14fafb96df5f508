/**
 * @conveyor/dashboard: a web UI and JSON API over a transport's `admin` capability.
 */
export {};
