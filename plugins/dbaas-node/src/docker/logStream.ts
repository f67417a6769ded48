/** Docker's multiplexed log stream (8-byte frame headers) as plain text. */
export function demux(raw: Buffer): string {
  const parts: string[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const size = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + size).toString('utf8'));
    offset += 8 + size;
  }
  return parts.length ? parts.join('') : raw.toString('utf8');
}
