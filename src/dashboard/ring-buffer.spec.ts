import { RingBuffer } from './ring-buffer';

describe(RingBuffer.name, () => {
  it('keeps items oldest first until full, then drops the oldest', () => {
    const sut = new RingBuffer<number>(3);
    expect(sut.toArray()).toEqual([]);
    expect(sut.last()).toBeUndefined();
    sut.push(1);
    sut.push(2);
    expect(sut.toArray()).toEqual([1, 2]);
    for (const n of [3, 4, 5, 6, 7]) sut.push(n);
    expect(sut.toArray()).toEqual([5, 6, 7]);
    expect(sut.size).toBe(3);
    expect(sut.last()).toBe(7);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });
});
