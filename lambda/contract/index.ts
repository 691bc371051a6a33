/**
 * The contract between the app, the function and the operator commands: names, defaults and the
 * message checks. Dependency-free (not even Node's modules), so lib/ can load it at synth and a
 * boundary test can hold everything else in lambda/ away from lib/.
 */
export * from './messages';
export * from './names';
export * from './settings';
export * from './jobs';
export * from './connect';
