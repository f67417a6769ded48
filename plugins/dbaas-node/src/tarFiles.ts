/** A tar archive of small files in memory, for Docker's putArchive (no dependency needed). */
export function tarFiles(
  files: {
    name: string;
    content: string;
    mode: number;
    uid: number;
    gid: number;
  }[],
): Buffer {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const body = Buffer.from(file.content, 'utf8');
    const header = Buffer.alloc(512, 0);
    const put = (value: string, offset: number, length: number) =>
      header.write(value.slice(0, length), offset, length, 'utf8');
    const octal = (value: number, length: number) =>
      value.toString(8).padStart(length - 1, '0');
    put(file.name, 0, 100);
    put(octal(file.mode, 8), 100, 8);
    put(octal(file.uid, 8), 108, 8);
    put(octal(file.gid, 8), 116, 8);
    put(octal(body.length, 12), 124, 12);
    put(octal(Math.floor(Date.now() / 1000), 12), 136, 12);
    put('        ', 148, 8);
    put('0', 156, 1);
    put('ustar\u000000', 257, 8);
    let sum = 0;
    for (const byte of header) sum += byte;
    put(`${octal(sum, 7)}\u0000`, 148, 8);
    blocks.push(
      header,
      body,
      Buffer.alloc((512 - (body.length % 512)) % 512, 0),
    );
  }
  blocks.push(Buffer.alloc(1024, 0));
  return Buffer.concat(blocks);
}
