-- Rates for reports: the one rule of sql/022_money.sql (the newest row on or before the day) written once, for
-- every report's SQL to join, and an admin's rate that holds until the admin says otherwise.

-- An admin who sets a rate "from a day on" means it for the days after it too: the Central Bank's daily job
-- writes no later row of that currency while such a row is the newest one (core.rates, sync.cbu_rates).
ALTER TABLE exchange_rates ADD COLUMN holds BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE exchange_rates ADD CONSTRAINT exchange_rates_holds_admin CHECK (NOT holds OR source = 'admin');

-- Units of the shop's base currency one unit of `of_currency` was worth on `on_day`: 1 for the base currency
-- itself, the newest exchange_rates row on or before the day otherwise, NULL when there is none (a report then
-- says "rate missing", never a number). Used as `amount * rate_on(currency, day)`; the primary key
-- (currency, day) finds the row.
CREATE FUNCTION rate_on(of_currency CHAR(3), on_day DATE) RETURNS NUMERIC
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN of_currency = COALESCE((SELECT value FROM shop_settings WHERE key = 'base_currency'), 'UZS') THEN 1
        ELSE (
            SELECT rate FROM exchange_rates
             WHERE currency = of_currency AND day <= on_day
             ORDER BY day DESC
             LIMIT 1
        )
    END
$$;
