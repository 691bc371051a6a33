/** The delivery domain: its model and the ports its adapters implement. Imports nothing but the contract's types. */
export * from './model';
export * from './ports';
