/**
 * From figures measured here to what a Lambda would take and cost at each memory size. Lambda gives
 * a function CPU in proportion to its memory, one vCPU at 1,769 MB ("Configure Lambda function
 * memory"); prices are Arm's in us-east-1 as the Lambda pricing page lists them (duration per
 * GB-second, and per request).
 */
export const MB_PER_VCPU = 1769;
export const ARM_PRICE_PER_GB_SECOND = 0.0000133334;
export const PRICE_PER_REQUEST = 0.2 / 1_000_000;
export const MEMORY_SIZES = [128, 256, 512, 1024] as const;
/** DynamoDB on-demand, us-east-1, per write request unit; a transactional write of a small item takes two. */
export const PRICE_PER_WRITE_UNIT = 0.625 / 1_000_000;
/** The duplicate check per message: a claim and a record, each a transactional write. */
export const WRITE_UNITS_PER_MESSAGE = 4;

export interface AtMemory {
  readonly memoryMb: number;
  readonly vcpuShare: number;
  /** The batch's wall time with its CPU work slowed to the share (the waiting assumed not to overlap it). */
  readonly wallMs: number;
  readonly costPer1000Messages: number;
}

export function atMemory(memoryMb: number, wallMs: number, cpuMs: number, endpointsPerBatch: number): AtMemory {
  const vcpuShare = Math.min(1, memoryMb / MB_PER_VCPU);
  const lambdaWallMs = wallMs - cpuMs + cpuMs / vcpuShare;
  const batches = 1000 / endpointsPerBatch;
  const perBatch = (lambdaWallMs / 1000) * (memoryMb / 1024) * ARM_PRICE_PER_GB_SECOND + PRICE_PER_REQUEST;
  return { memoryMb, vcpuShare, wallMs: lambdaWallMs, costPer1000Messages: batches * perBatch };
}

export function lambdaArithmetic(wallMs: number, cpuMs: number, endpointsPerBatch: number): string {
  const lines = [
    `On Lambda (Arm, us-east-1 prices), from this run's Pinpoint batch with the check: ${wallMs.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU at one core:`,
    `  ${'memory MB'.padEnd(12)}${'vCPU share'.padStart(11)}${'batch wall ms'.padStart(15)}${'$ per 1,000 messages'.padStart(22)}`,
  ];
  for (const memory of MEMORY_SIZES) {
    const row = atMemory(memory, wallMs, cpuMs, endpointsPerBatch);
    lines.push(`  ${String(memory).padEnd(12)}${row.vcpuShare.toFixed(3).padStart(11)}${row.wallMs.toFixed(0).padStart(15)}${row.costPer1000Messages.toFixed(6).padStart(22)}`);
  }
  lines.push(`  and the duplicate check in DynamoDB (on-demand): ${WRITE_UNITS_PER_MESSAGE} write units per message (a claim and a record, each transactional), `
    + `$${(1000 * WRITE_UNITS_PER_MESSAGE * PRICE_PER_WRITE_UNIT).toFixed(6)} per 1,000 messages`);
  return lines.join('\n');
}
