import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Logger } from '@nestjs/common';
import { InvalidArgumentError, SymbolNotFoundError } from '../../common/errors';
import { CsvMarketDataProvider } from './csv.provider';
import { SHARED_DATA_DIR } from '../../../test/support/shared-data';

const SHARED_DATA = SHARED_DATA_DIR;
const SAMPLE = join(SHARED_DATA, 'sp500-daily-sample-50.csv');
const FULL_GZ = join(SHARED_DATA, 'sp500-daily-2013-2018.csv.gz');
const HEADER = 'date,open,high,low,close,volume';

describe(CsvMarketDataProvider.name, () => {
  describe('on the 50-symbol sample', () => {
    const sut = new CsvMarketDataProvider({ path: SAMPLE });

    it('serves every bar of a symbol for max, ascending', async () => {
      const apple = await sut.getHistory('AAPL', { interval: '1d', period: 'max' });

      expect(apple).toHaveLength(1259);
      expect(apple[0]).toEqual({ date: '2013-02-08', open: 67.7142, high: 68.4014, low: 66.8928, close: 67.8542, volume: 158168416 });
      expect(apple[1258]).toEqual({ date: '2018-02-07', open: 163.085, high: 163.4, low: 159.0685, close: 159.54, volume: 51608580 });
      expect(await sut.getHistory('orcl', { interval: '1d', period: 'max' })).toHaveLength(1257);
    });

    it('cuts the last period of trading days', async () => {
      const lengths = await Promise.all(
        (['1mo', '3mo', '6mo', '1y', '2y', '5y'] as const).map(async (period) => (await sut.getHistory('MSFT', { interval: '1d', period })).length),
      );
      const month = await sut.getHistory('MSFT', { interval: '1d', period: '1mo' });

      expect(lengths).toEqual([21, 63, 126, 252, 504, 1259]);
      expect(month[20].date).toBe('2018-02-07');
    });

    it('aggregates weeks from their first trading day: open first, high max, low min, close last, volume sum', async () => {
      const daily = await sut.getHistory('AAPL', { interval: '1d', period: '1mo' });
      const weekly = await sut.getHistory('AAPL', { interval: '1wk', period: '1mo' });
      const lastWeek = daily.filter((b) => b.date >= '2018-02-05');

      expect(weekly.at(-1)).toEqual({
        date: '2018-02-05',
        open: 159.1,
        high: 163.88,
        low: 154.0,
        close: 159.54,
        volume: lastWeek.reduce((sum, b) => sum + b.volume, 0),
      });
      expect(weekly.length).toBeGreaterThanOrEqual(5);
      expect(weekly.length).toBeLessThanOrEqual(6);
    });

    it('quotes the last close against the one before, as of 16:00 New York', async () => {
      expect(await sut.getQuote('AAPL')).toEqual({
        symbol: 'AAPL',
        price: 159.54,
        previousClose: 163.03,
        change: -3.49,
        changePercent: -2.1407,
        volume: 51608580,
        asOf: '2018-02-07T21:00:00.000Z',
        currency: 'USD',
      });
    });

    it('describes symbols from the April 2018 constituents, with no invented market cap', async () => {
      expect(await sut.getInfo('AAPL')).toEqual({
        symbol: 'AAPL',
        name: 'Apple Inc.',
        sector: 'Information Technology',
        industry: 'Unknown',
        marketCap: null,
        exchange: 'Unknown',
        currency: 'USD',
      });
    });

    it('lists all, sp500 and sector slugs; an unknown market is empty', async () => {
      const tech = await sut.listSymbols('information-technology');

      expect(await sut.listSymbols('all')).toHaveLength(50);
      expect(await sut.listSymbols('SP500')).toHaveLength(50);
      expect(tech.map((s) => s.symbol)).toContain('AAPL');
      expect(tech.every((s) => s.sector === 'Information Technology')).toBe(true);
      expect(await sut.listSymbols('nasdaq-100')).toEqual([]);
    });

    it('throws SymbolNotFoundError for a symbol the files do not hold', async () => {
      await expect(sut.getQuote('ZZZZ')).rejects.toBeInstanceOf(SymbolNotFoundError);
      await expect(sut.getHistory('ZZZZ', { interval: '1d', period: '1y' })).rejects.toBeInstanceOf(SymbolNotFoundError);
      await expect(sut.getInfo('ZZZZ')).rejects.toBeInstanceOf(SymbolNotFoundError);
    });
  });

  describe('on the full gzip file', () => {
    const sut = new CsvMarketDataProvider({ path: FULL_GZ });
    const day = async (symbol: string, date: string) =>
      (await sut.getHistory(symbol, { interval: '1d', period: 'max' })).find((b) => b.date === date);

    it('loads 505 symbols in one pass, quirks kept as they are', async () => {
      const started = performance.now();
      const all = await sut.listSymbols('all');
      const loadMs = performance.now() - started;

      expect(all).toHaveLength(505);
      expect(loadMs).toBeLessThan(10_000);
      expect(await day('WRK', '2015-06-26')).toEqual({ date: '2015-06-26', open: null, high: null, low: null, close: 61.9, volume: 100 });
      expect((await day('DHR', '2016-01-12'))?.volume).toBe(0);
      expect(await day('CHD', '2014-05-19')).toEqual({ date: '2014-05-19', open: 18.77, high: 33.9525, low: 33.695, close: 33.895, volume: 1078888 });
    }, 30_000);

    it('keeps dotted share classes and accepts the dash spelling', async () => {
      expect((await sut.getQuote('BRK.B')).price).toBe(200.37);
      expect((await sut.getQuote('BRK-B')).symbol).toBe('BRK.B');
      expect(await sut.getHistory('GOOG', { interval: '1d', period: 'max' })).toHaveLength(975);
    });

    it('maps the renamed tickers to their sector and leaves index leavers Unknown', async () => {
      expect(await sut.getInfo('PCLN')).toMatchObject({ symbol: 'PCLN', name: 'Booking Holdings Inc', sector: 'Consumer Discretionary' });
      expect(await sut.getInfo('CHK')).toMatchObject({ symbol: 'CHK', name: 'CHK', sector: 'Unknown' });
      expect(await sut.listSymbols('sp500')).toHaveLength(501);
      expect((await sut.listSymbols('telecommunication-services')).map((s) => s.symbol)).toEqual(['CTL', 'T', 'VZ']);
    });
  });

  describe('on a folder of files', () => {
    let folder: string;
    let warn: jest.SpyInstance;

    beforeEach(() => {
      folder = mkdtempSync(join(tmpdir(), 'csv-provider-'));
      warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    });

    afterEach(() => {
      warn.mockRestore();
      rmSync(folder, { recursive: true, force: true });
    });

    const write = (name: string, lines: string[]): void => writeFileSync(join(folder, name), `${lines.join('\n')}\n`);

    it('reads per-symbol files named after the symbol, plain or gzip, and a ticker column', async () => {
      write('AAA.csv', [HEADER, '2024-01-02,10,11,9,10.5,1000', '2024-01-03,10.5,12,10,11.5,2000']);
      writeFileSync(join(folder, 'BRK.B.csv.gz'), gzipSync(`${HEADER}\n2024-01-02,400,401,399,400.5,300\n`));
      write('mixed.csv', ['Ticker,Date,Open,High,Low,Close,Volume', 'ccc,2024-01-02,1,1,1,1,1', 'DDD,2024-01-02,2,2,2,2,2']);
      write('notes.txt', ['not,a,csv']);
      const sut = new CsvMarketDataProvider({ path: folder });

      expect((await sut.listSymbols('all')).map((s) => s.symbol)).toEqual(['AAA', 'BRK.B', 'CCC', 'DDD']);
      expect((await sut.getQuote('AAA')).previousClose).toBe(10.5);
      expect(await sut.getHistory('BRK-B', { interval: '1d', period: 'max' })).toEqual([
        { date: '2024-01-02', open: 400, high: 401, low: 399, close: 400.5, volume: 300 },
      ]);
      expect(warn).not.toHaveBeenCalled();
    });

    it('skips and counts malformed lines in one warning, never crashing', async () => {
      write('BAD.csv', [
        HEADER,
        '2024-01-02,10,11,9,10.5,1000',
        '2024-01-03,10,11,9',
        '2024-01-04,10,11,9,abc,1000',
        '2024-01-05,10,11,9,,1000',
        '2024-02-30,10,11,9,10,1000',
        '2024-01-08,,,,12.25,0',
        '2024-01-09,10,11,9,12.5,1000,extra',
      ]);
      write('constituents.csv', ['Symbol,Name,Sector', 'BAD,Bad Data Inc,Industrials']);
      const sut = new CsvMarketDataProvider({ path: folder });

      const bars = await sut.getHistory('BAD', { interval: '1d', period: 'max' });

      expect(bars).toEqual([
        { date: '2024-01-02', open: 10, high: 11, low: 9, close: 10.5, volume: 1000 },
        { date: '2024-01-08', open: null, high: null, low: null, close: 12.25, volume: 0 },
      ]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toContain('Skipped 5 malformed of 7 CSV rows');
      expect(warn.mock.calls[0][0]).toContain('constituents.csv');
    });

    it('drops rows dated on weekends and exchange holidays, in one warning', async () => {
      // 2024-01-01 New Year's Day, 2024-01-06 a Saturday, 2024-01-15 Martin Luther King Jr. Day.
      write('HOL.csv', [HEADER, '2024-01-01,1,1,1,1,1', '2024-01-02,2,2,2,2,2', '2024-01-06,3,3,3,3,3', '2024-01-12,4,4,4,4,4', '2024-01-15,5,5,5,5,5']);
      const sut = new CsvMarketDataProvider({ path: folder });

      const bars = await sut.getHistory('HOL', { interval: '1d', period: 'max' });

      expect(bars.map((b) => b.date)).toEqual(['2024-01-02', '2024-01-12']);
      expect(await sut.getQuote('HOL')).toMatchObject({ price: 4, previousClose: 2, asOf: '2024-01-12T21:00:00.000Z' });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toContain('Dropped 3 CSV rows dated on weekends or exchange holidays');
    });

    it('sorts unordered rows and keeps the later of a repeated date', async () => {
      write('ZZZ.csv', [HEADER, '2024-01-04,3,3,3,3,3', '2024-01-02,1,1,1,1,1', '2024-01-04,4,4,4,4,4', '2024-01-03,2,2,2,2,2']);
      const sut = new CsvMarketDataProvider({ path: folder });

      const bars = await sut.getHistory('ZZZ', { interval: '1d', period: 'max' });

      expect(bars.map((b) => [b.date, b.close])).toEqual([
        ['2024-01-02', 1],
        ['2024-01-03', 2],
        ['2024-01-04', 4],
      ]);
    });

    it('loads lazily on first use, not in the constructor', async () => {
      const sut = new CsvMarketDataProvider({ path: folder });
      write('LATE.csv', [HEADER, '2024-01-02,1,1,1,1,1']);

      expect((await sut.getQuote('LATE')).price).toBe(1);
    });

    it('dates a summer quote at 16:00 New York daylight time (20:00Z)', async () => {
      write('SUMMER.csv', [HEADER, '2024-06-28,1,1,1,1,1', '2024-07-01,1,1,1,2,1']);

      expect(await new CsvMarketDataProvider({ path: folder }).getQuote('SUMMER')).toMatchObject({ asOf: '2024-07-01T20:00:00.000Z', change: 1 });
    });

    it('rejects a path that does not exist at construction', () => {
      expect(() => new CsvMarketDataProvider({ path: join(folder, 'missing.csv') })).toThrow(InvalidArgumentError);
    });
  });
});
