/**
 * The feature definition: one aggregation query over an entity's raw events, turned into
 * a fixed-order vector. These are the usual transaction-risk features (volume, spend
 * distribution, refund behaviour, recency, velocity), computed on demand from the raw
 * log, which is what makes a feature-cache miss expensive.
 */

export const FEATURE_NAMES = [
  'event_count',
  'amount_sum',
  'amount_mean',
  'amount_stddev',
  'amount_min',
  'amount_max',
  'amount_median',
  'purchase_count',
  'refund_amount_ratio',
  'mean_hours_between_purchases',
  'events_last_7d',
  'amount_last_30d',
  'distinct_merchants',
  'days_since_last_event',
  'max_events_in_1h',
  'max_amount_in_24h',
] as const;

export const FEATURE_DIM = FEATURE_NAMES.length; // 16

/**
 * Parameters: ?1 = entity id, ?2 = the dataset's "now" (unix seconds). Amount aggregates
 * skip logins, whose amount is NULL; the median ranks non-NULL amounts in their own
 * partition so the NULLs do not shift it.
 * The CTE is materialised once; its window functions need three orderings of the
 * entity's events (by time, by kind then time, by amount), which is deliberate: they
 * are the velocity, inter-purchase and median features.
 */
export const FEATURE_SQL = `
WITH ev AS MATERIALIZED (
  SELECT ts, kind, amount, merchant_id,
         COUNT(*)    OVER (ORDER BY ts RANGE BETWEEN 3600 PRECEDING AND CURRENT ROW)  AS burst_1h,
         SUM(amount) OVER (ORDER BY ts RANGE BETWEEN 86400 PRECEDING AND CURRENT ROW) AS spend_24h,
         ts - LAG(ts) OVER (PARTITION BY kind ORDER BY ts)                            AS kind_gap,
         ROW_NUMBER() OVER (PARTITION BY amount IS NULL ORDER BY amount)              AS amount_rank,
         COUNT(amount) OVER ()                                                        AS amount_count
  FROM raw_events
  WHERE entity_id = ?1
)
SELECT
  COUNT(*)                                                          AS event_count,
  COALESCE(SUM(amount), 0)                                          AS amount_sum,
  COALESCE(AVG(amount), 0)                                          AS amount_mean,
  COALESCE(AVG(amount * amount) - AVG(amount) * AVG(amount), 0)     AS amount_variance,
  COALESCE(MIN(amount), 0)                                          AS amount_min,
  COALESCE(MAX(amount), 0)                                          AS amount_max,
  COALESCE(AVG(CASE WHEN amount IS NOT NULL
                     AND amount_rank IN ((amount_count + 1) / 2, (amount_count + 2) / 2)
                    THEN amount END), 0)                            AS amount_median,
  SUM(kind = 'purchase')                                            AS purchase_count,
  COALESCE(SUM(CASE WHEN kind = 'refund' THEN amount END)
           / NULLIF(SUM(CASE WHEN kind = 'purchase' THEN amount END), 0), 0)
                                                                    AS refund_amount_ratio,
  COALESCE(AVG(CASE WHEN kind = 'purchase' THEN kind_gap END) / 3600.0, 0)
                                                                    AS mean_hours_between_purchases,
  SUM(ts >= ?2 - 7 * 86400)                                         AS events_last_7d,
  COALESCE(SUM(CASE WHEN ts >= ?2 - 30 * 86400 THEN amount END), 0) AS amount_last_30d,
  COUNT(DISTINCT merchant_id)                                       AS distinct_merchants,
  COALESCE((?2 - MAX(ts)) / 86400.0, 0)                             AS days_since_last_event,
  COALESCE(MAX(burst_1h), 0)                                        AS max_events_in_1h,
  COALESCE(MAX(spend_24h), 0)                                       AS max_amount_in_24h
FROM ev
`;

export type FeatureRow = Record<string, unknown>;

/** Orders a result row into the feature vector; variance becomes a standard deviation. */
export function rowToVector(row: FeatureRow): number[] {
  return FEATURE_NAMES.map((name) => {
    if (name === 'amount_stddev') return Math.sqrt(Math.max(0, Number(row['amount_variance'] ?? 0)));
    return Number(row[name] ?? 0);
  });
}
