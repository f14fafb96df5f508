export { type MemoryTransportOptions, memoryTransport } from './memory-transport.js';
