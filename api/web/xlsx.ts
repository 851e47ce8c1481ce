/**
 * An Excel (.xlsx, exceljs) download of a list page: the page's columns as headers, one row per item, a Chinese
 * file name (RFC 6266 filename*). Used by 督办, late arrivals, the licence ledger and the approval records.
 */
import ExcelJS from 'exceljs';
import type { Response } from 'express';

export interface XlsxColumn<T> {
  header: string;
  width?: number;
  value: (row: T) => string | number | null | undefined;
}

export async function sendXlsx<T>(
  res: Response,
  fileName: string,
  sheetName: string,
  columns: XlsxColumn<T>[],
  rows: T[],
): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = '晋城市电子证照与电子印章平台';
  const sheet = workbook.addWorksheet(sheetName);
  sheet.columns = columns.map((c) => ({ header: c.header, width: c.width ?? 18 }));
  sheet.getRow(1).font = { bold: true };
  for (const row of rows) sheet.addRow(columns.map((c) => c.value(row) ?? ''));
  const body = Buffer.from(await workbook.xlsx.writeBuffer());
  res
    .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    .set('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(`${fileName}.xlsx`)}`)
    .set('cache-control', 'no-store')
    .send(body);
}
