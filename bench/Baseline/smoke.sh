#!/usr/bin/env bash
# Functional smoke test of the Redis-direct baseline (or anything serving the same contract).
# Usage: bench/Baseline/smoke.sh [base-url=http://127.0.0.1:5092]
# Env:   ADMIN_KEY (default dev)
#        PAYMENT_WINDOW_SECONDS: the server's Checkout__PaymentWindow in seconds; when set (and <= 30),
#        the expiry checks wait for it, else they are skipped.
# Needs curl and jq. Every product it creates has a fresh sku, so it can run against a Redis in use.
# Exits non-zero at the first mismatch.
set -euo pipefail

base=${1:-http://127.0.0.1:5092}
admin=${ADMIN_KEY:-dev}
window=${PAYMENT_WINDOW_SECONDS:-}
run=$(date +%s%N | tail -c 9)
json=(-H 'Content-Type: application/json')
key=(-H "X-Api-Key: $admin")
checks=0
body=""

command -v jq >/dev/null || { echo "smoke: needs jq" >&2; exit 2; }

fail() {
  echo "FAIL: $*" >&2
  echo "  last body: $body" >&2
  exit 1
}

# call EXPECTED_STATUS METHOD PATH [curl args...]: sets $body and $headers, checks the status.
call() {
  local expected=$1 method=$2 path=$3
  shift 3
  local out status
  out=$(mktemp)
  headers=$(curl -sS -D - -o "$out" -X "$method" "$base$path" "$@") || fail "$method $path: no answer"
  body=$(cat "$out")
  rm -f "$out"
  status=$(awk 'NR == 1 {print $2}' <<<"$headers")
  [[ "$status" == "$expected" ]] || fail "$method $path: status $status, expected $expected"
  if [[ "$status" -ge 400 ]]; then
    grep -i '^content-type: application/problem+json' <<<"$headers" >/dev/null || fail "$method $path: $status is not a problem document"
    jq -e '.type and .title and .status and .detail' >/dev/null <<<"$body" || fail "$method $path: problem lacks type/title/status/detail"
  fi
  checks=$((checks + 1))
}

# is JQ_FILTER EXPECTED: the last body, through the filter, equals EXPECTED.
is() {
  local actual
  actual=$(jq -rc "$1" <<<"$body") || fail "jq '$1' failed"
  [[ "$actual" == "$2" ]] || fail "$1 is '$actual', expected '$2'"
  checks=$((checks + 1))
}

header() {
  tr -d '\r' <<<"$headers" | awk -v name="$1" 'tolower($1) == tolower(name ":") {print $2}'
}

new_cart() {
  call 201 POST /api/carts
  is '.items | length' 0
  local id
  id=$(jq -r .cartId <<<"$body")
  [[ "$(header Location)" == "/api/carts/$id" ]] || fail "Location of a new cart is '$(header Location)'"
  [[ "$id" =~ ^[A-Za-z0-9_-]{1,64}$ ]] || fail "cart id '$id' is not an identifier"
  echo "$id"
}

stock() {
  call 200 GET "/api/inventory/$1"
  is '[.available, .reserved, .sold] | join(",")' "$2"
}

a="a$run"; b="b$run"; e="e$run"; cat="c$run"

echo "== health"
call 200 GET /health/live
call 200 GET /health/ready

echo "== catalog"
call 401 PUT "/api/products/$a" "${json[@]}" -d '{"name":"A","category":"x","price":1}'
call 401 PUT "/api/products/$a" "${json[@]}" -H 'X-Api-Key: wrong' -d '{"name":"A","category":"x","price":1}'
call 200 PUT "/api/products/$a" "${json[@]}" "${key[@]}" -d "{\"name\":\"Widget\",\"description\":\"d\",\"category\":\"$cat\",\"price\":19.99}"
is '.version' 1
call 200 PUT "/api/products/$a" "${json[@]}" "${key[@]}" -d "{\"name\":\"Widget\",\"category\":\"$cat\",\"price\":10}"
is '[.version, .price, .currency] | join(",")' "2,10,USD"
call 200 PUT "/api/products/$b" "${json[@]}" "${key[@]}" -d "{\"name\":\"Gadget\",\"category\":\"other$run\",\"price\":2.5}"
call 200 PUT "/api/products/$b" "${json[@]}" "${key[@]}" -d "{\"name\":\"Gadget\",\"category\":\"$cat\",\"price\":2.5}"
call 200 PUT "/api/products/$e" "${json[@]}" "${key[@]}" -d "{\"name\":\"Euro thing\",\"category\":\"$cat\",\"price\":3,\"currency\":\"EUR\"}"
call 400 PUT "/api/products/$a" "${json[@]}" "${key[@]}" -d '{"name":"","category":"no spaces","price":1.234,"currency":"usd"}'
is '.errors | keys | join(",")' "category,currency,name,price"
call 200 GET "/api/products/$a"
is '[.sku, .name, .category, .price] | join(",")' "$a,Widget,$cat,10"
call 404 GET "/api/products/none$run"
call 400 GET "/api/products/not.an.id"
is '.errors | keys | join(",")' "sku"
call 200 GET "/api/products?category=$cat&page=1&pageSize=2"
is '[.total, (.items | map(.sku) | join("+"))] | join(",")' "3,$a+$b"
call 200 GET "/api/products?category=$cat&page=2&pageSize=2"
is '.items | map(.sku) | join("+")' "$e"
call 200 GET "/api/products?category=other$run"
is '.total' 0
call 400 GET "/api/products?page=0&pageSize=101"
is '.errors | keys | join(",")' "page,pageSize"

echo "== inventory"
stock "$a" "0,0,0"
call 200 POST "/api/inventory/$a/restock" "${json[@]}" "${key[@]}" -H 'Idempotency-Key: r1' -d '{"quantity":5}'
is '.available' 5
call 200 POST "/api/inventory/$a/restock" "${json[@]}" "${key[@]}" -H 'Idempotency-Key: r1' -d '{"quantity":5}'
is '.available' 5
call 200 POST "/api/inventory/$b/restock" "${json[@]}" "${key[@]}" -d '{"quantity":2}'
call 200 POST "/api/inventory/$e/restock" "${json[@]}" "${key[@]}" -d '{"quantity":9}'
call 401 POST "/api/inventory/$a/restock" "${json[@]}" -d '{"quantity":1}'
call 404 POST "/api/inventory/none$run/restock" "${json[@]}" "${key[@]}" -d '{"quantity":1}'
call 404 GET "/api/inventory/none$run"
call 400 POST "/api/inventory/$a/restock" "${json[@]}" "${key[@]}" -d '{"quantity":0}'
call 400 POST "/api/inventory/$a/restock" "${json[@]}" "${key[@]}" -d '{"quantity":1000001}'
call 400 POST "/api/inventory/$a/restock" "${json[@]}" "${key[@]}" -d '{"quantity":"5"}'
call 400 POST "/api/inventory/$a/restock" "${json[@]}" "${key[@]}" -d '{"quantity":'
call 415 POST "/api/inventory/$a/restock" "${key[@]}" -H 'Content-Type: text/plain' -d 'quantity=1'
head -c 70000 /dev/zero | tr '\0' 'x' >"/tmp/smoke-big-$run"
call 413 PUT "/api/products/$a" "${json[@]}" "${key[@]}" --data-binary "@/tmp/smoke-big-$run"
rm -f "/tmp/smoke-big-$run"
stock "$a" "5,0,0"

echo "== carts"
cart=$(new_cart)
call 200 GET "/api/carts/$cart"
is '[(.items | length), .total, .updatedAt] | join(",")' "0,0,"
forged="${cart:0:${#cart}-1}$([[ ${cart: -1} == A ]] && echo B || echo A)"
call 404 GET "/api/carts/$forged"
call 404 POST "/api/carts/$forged/items" "${json[@]}" -d "{\"sku\":\"$a\",\"quantity\":1}"
call 404 POST "/api/carts/$forged/checkout" -H 'Idempotency-Key: k'
call 404 DELETE "/api/carts/$forged"
call 404 GET "/api/carts/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
# '_' leaves non-zero unused bits in the last base64url character: never issued, and not a 500.
call 404 GET "/api/carts/${cart:0:${#cart}-1}_"
call 404 GET "/api/carts/___________________________________________"
call 400 GET "/api/carts/not.valid"
call 200 POST "/api/carts/$cart/items" "${json[@]}" -d "{\"sku\":\"$a\",\"quantity\":2}"
is '[.items[0].sku, .items[0].quantity, .items[0].unitPrice, .items[0].lineTotal, .total] | join(",")' "$a,2,10,20,20"
call 200 POST "/api/carts/$cart/items" "${json[@]}" -d "{\"sku\":\"$a\",\"quantity\":1}"
is '.items[0].quantity' 3
call 409 POST "/api/carts/$cart/items" "${json[@]}" -d "{\"sku\":\"$a\",\"quantity\":97}"
is '.type | endswith("line-limit")' true
call 409 POST "/api/carts/$cart/items" "${json[@]}" -d "{\"sku\":\"$e\",\"quantity\":1}"
is '.type | endswith("currency-mismatch")' true
call 404 POST "/api/carts/$cart/items" "${json[@]}" -d "{\"sku\":\"none$run\",\"quantity\":1}"
call 400 POST "/api/carts/$cart/items" "${json[@]}" -d "{\"sku\":\"$a\",\"quantity\":0}"
call 400 POST "/api/carts/$cart/items" "${json[@]}" -d '{"quantity":1}'
call 200 PUT "/api/carts/$cart/items/$b" "${json[@]}" -d '{"quantity":2}'
is '[(.items | length), .total] | join(",")' "2,35"
call 200 PUT "/api/carts/$cart/items/$b" "${json[@]}" -d '{"quantity":0}'
is '.items | length' 1
call 400 PUT "/api/carts/$cart/items/$b" "${json[@]}" -d '{"quantity":100}'
call 200 PUT "/api/carts/$cart/items/$b" "${json[@]}" -d '{"quantity":1}'
call 200 DELETE "/api/carts/$cart/items/$b"
is '.items | map(.sku) | join("+")' "$a"
call 200 GET "/api/carts/$cart"
is '.updatedAt != null' true

# Prices in a cart are the current catalog prices.
call 200 PUT "/api/products/$a" "${json[@]}" "${key[@]}" -d "{\"name\":\"Widget\",\"category\":\"$cat\",\"price\":11}"
call 200 GET "/api/carts/$cart"
is '.total' 33
call 204 DELETE "/api/carts/$cart"
call 200 GET "/api/carts/$cart"
is '.items | length' 0

echo "== checkout"
cart=$(new_cart)
call 400 POST "/api/carts/$cart/checkout"
is '.errors | keys | join(",")' "Idempotency-Key"
call 400 POST "/api/carts/$cart/checkout" -H 'Idempotency-Key: k1'
is '.type | endswith("empty-cart")' true
call 200 POST "/api/carts/$cart/items" "${json[@]}" -d "{\"sku\":\"$a\",\"quantity\":4}"
call 200 POST "/api/carts/$cart/items" "${json[@]}" -d "{\"sku\":\"$b\",\"quantity\":3}"
call 409 POST "/api/carts/$cart/checkout" -H 'Idempotency-Key: k1'
is '.type | endswith("insufficient-stock")' true
is '.shortages | map("\(.sku):\(.requested):\(.available)") | join(",")' "$b:3:2"
stock "$a" "5,0,0"
stock "$b" "2,0,0"
call 200 PUT "/api/carts/$cart/items/$b" "${json[@]}" -d '{"quantity":2}'
call 201 POST "/api/carts/$cart/checkout" -H 'Idempotency-Key: k1'
order=$(jq -r .orderId <<<"$body")
[[ "$(header Location)" == "/api/orders/$order" ]] || fail "Location of the order is '$(header Location)'"
expected_id="o-$(printf '%s\n%s' "$cart" k1 | sha256sum | cut -c1-32)"
[[ "$order" == "$expected_id" ]] || fail "order id $order, expected $expected_id"
is '[.status, .cartId, (.items | length), .total, .currency] | join(",")' "PendingPayment,$cart,2,49,USD"
call 201 POST "/api/carts/$cart/checkout" -H 'Idempotency-Key: k1'
is '.orderId' "$order"
stock "$a" "1,4,0"
stock "$b" "0,2,0"
call 200 GET "/api/carts/$cart"
is '.items | length' 0

echo "== pay and cancel"
call 200 GET "/api/orders/$order"
is '.status' PendingPayment
call 200 POST "/api/orders/$order/pay"
is '.status' Paid
call 200 POST "/api/orders/$order/pay"
is '.status' Paid
call 409 POST "/api/orders/$order/cancel"
stock "$a" "1,0,4"
stock "$b" "0,0,2"
call 404 GET "/api/orders/o-none$run"
call 404 POST "/api/orders/o-none$run/pay"
call 404 POST "/api/orders/o-none$run/cancel"
call 400 GET "/api/orders/bad.id"

call 200 POST "/api/carts/$cart/items" "${json[@]}" -d "{\"sku\":\"$a\",\"quantity\":1}"
call 201 POST "/api/carts/$cart/checkout" -H 'Idempotency-Key: k2'
order2=$(jq -r .orderId <<<"$body")
stock "$a" "0,1,4"
call 200 POST "/api/orders/$order2/cancel"
is '.status' Cancelled
call 200 POST "/api/orders/$order2/cancel"
call 409 POST "/api/orders/$order2/pay"
stock "$a" "1,0,4"

echo "== cart limit"
many=$(new_cart)
for i in $(seq 1 101); do
  call 200 PUT "/api/products/m$run-$i" "${json[@]}" "${key[@]}" -d "{\"name\":\"M$i\",\"category\":\"m$run\",\"price\":1}"
done
for i in $(seq 1 100); do
  call 200 POST "/api/carts/$many/items" "${json[@]}" -d "{\"sku\":\"m$run-$i\",\"quantity\":1}"
done
is '.items | length' 100
call 409 POST "/api/carts/$many/items" "${json[@]}" -d "{\"sku\":\"m$run-101\",\"quantity\":1}"
is '.type | endswith("cart-full")' true
call 200 POST "/api/carts/$many/items" "${json[@]}" -d "{\"sku\":\"m$run-100\",\"quantity\":1}"
call 204 DELETE "/api/carts/$many"

if [[ -n "$window" && "$window" -le 30 ]]; then
  echo "== expiry (waiting ${window}s + 2s)"
  call 200 POST "/api/carts/$cart/items" "${json[@]}" -d "{\"sku\":\"$a\",\"quantity\":1}"
  call 201 POST "/api/carts/$cart/checkout" -H 'Idempotency-Key: k3'
  order3=$(jq -r .orderId <<<"$body")
  stock "$a" "0,1,4"
  sleep $((window + 2))
  # The sweeper has returned the unit without anyone reading the order.
  stock "$a" "1,0,4"
  call 200 GET "/api/orders/$order3"
  is '.status' Expired
  call 409 POST "/api/orders/$order3/pay"
  call 409 POST "/api/orders/$order3/cancel"
  call 201 POST "/api/carts/$cart/checkout" -H 'Idempotency-Key: k3'
  is '.status' Expired
  stock "$a" "1,0,4"
else
  echo "== expiry skipped (set PAYMENT_WINDOW_SECONDS to the server's short Checkout__PaymentWindow)"
fi

echo "OK: $checks checks passed against $base"
