/**
 * The ledger's primitives under their first name: they live in ledger.repository.ts (the module's
 * one place for ledger write SQL); this file keeps `../ledger/ledger` imports working.
 */
export * from './ledger.repository';
