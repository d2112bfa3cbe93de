// A set that forgets: keys live for one to two generations, so memory stays bounded by the recent rate.

export class RecentSet {
  private current = new Set<string>();
  private previous = new Set<string>();

  add(key: string): void {
    this.current.add(key);
  }

  has(key: string): boolean {
    return this.current.has(key) || this.previous.has(key);
  }

  /** Starts a new generation; keys added two generations ago are forgotten. */
  rotate(): string[] {
    const dropped = [...this.previous];
    this.previous = this.current;
    this.current = new Set();
    return dropped;
  }
}
