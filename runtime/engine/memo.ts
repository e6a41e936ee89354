// One load per key, shared by every caller while it is pending and after it succeeded; a load
// that fails is forgotten, so the next caller tries again (artifacts being deployed, a glue
// import that failed once).

export function memo<K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
  let p = cache.get(key);
  if (!p) {
    p = load();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}
