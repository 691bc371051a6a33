export const handler = async (): Promise<Record<string, never>> => ({});
