/** Values the benchmark's processes share. */
export const BENCH_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:bench-token-AbC123';
export const BENCH_TOKEN = 'test-token-bench-0123456789';
export const BENCH_PHONE_NUMBER_ID = '109876543210987';
export const BENCH_ORIGINATION_ID = 'phone-number-id-0123456789abcdef0123456789abcdef';
