/** The token count columns, by kind (the ledger's, the rollups' and the traces' alike). */
export const TOKEN_COLUMNS = ['input_tokens', 'cached_input_tokens', 'cache_write_tokens', 'output_tokens', 'reasoning_tokens', 'total_tokens'] as const;
