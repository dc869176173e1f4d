<?php
// Drives the provider-distributed client (Api.php, unchanged) against smm-dispatchd's API v2
// endpoint and prints every answer as one JSON object; the C++ end-to-end test checks it.
// Usage: php driver.php <api url> <panel key> <fast service id> <slow service id> <run tag>
// Every wait is bounded (30 s); a wait that runs out is reported, not hidden.

error_reporting(E_ALL);
require __DIR__ . '/Api.php';

[$self, $url, $key, $fast, $slow, $tag] = $argv;

$api = new Api();
$api->api_url = $url;
$api->api_key = $key;

$out = [];
$out['services'] = $api->services();
$out['balance'] = $api->balance();

// Orders: three on the fast service (they complete), one on the slow one (it stays running).
$link = function ($name) use ($tag) { return "https://instagram.com/{$tag}_{$name}"; };
$a = $api->order(['service' => $fast, 'link' => $link('a'), 'quantity' => 100]);
$b = $api->order(['service' => $fast, 'link' => $link('b'), 'quantity' => 200]);
$c = $api->order(['service' => $fast, 'link' => $link('c'), 'quantity' => 300]);
$d = $api->order(['service' => $slow, 'link' => $link('d'), 'quantity' => 1000]);
$out['add'] = [$a, $b, $c, $d];
$out['add_without_quantity'] = $api->order(['service' => $fast, 'link' => $link('e')]);
$out['add_unknown_service'] = $api->order(['service' => 987654, 'link' => $link('f'), 'quantity' => 100]);
if (!isset($a->order, $b->order, $c->order, $d->order)) {
    echo json_encode($out);
    exit(0);
}
$out['status_first'] = $api->status($a->order);

$wait = function (callable $done) {
    $deadline = microtime(true) + 30;
    while (microtime(true) < $deadline) {
        if ($done()) return true;
        usleep(200000);
    }
    return false;
};

$out['completed_in_time'] = $wait(function () use ($api, $a, $b, $c) {
    $s = $api->multiStatus([$a->order, $b->order, $c->order]);
    foreach ([$a, $b, $c] as $o) {
        $id = (string)$o->order;
        if (!isset($s->$id->status) || $s->$id->status !== 'Completed') return false;
    }
    return true;
});
$out['status'] = $api->status($a->order);
$out['multi_status'] = $api->multiStatus([$a->order, $b->order, $d->order, 999999999]);

// Refill calls as the client sends them: without `action`.
$out['refill'] = $api->refill($a->order);
$out['multi_refill'] = $api->multiRefill([$b->order, $c->order, 999999999]);
$out['refill_again'] = $api->refill($a->order);
$out['refill_status'] = isset($out['refill']->refill) ? $api->refillStatus((int)$out['refill']->refill) : null;
$out['multi_refill_status'] = $api->multiRefillStatus([$a->order, $b->order, 999999999]);

// Cancel: the running order is asked to cancel; a completed one and an unknown id are not.
$out['cancel'] = $api->cancel([$d->order, $a->order, 999999999]);
$out['canceled_in_time'] = $wait(function () use ($api, $d) {
    $s = $api->status($d->order);
    return isset($s->status) && $s->status === 'Canceled';
});
$out['status_canceled'] = $api->status($d->order);

$wrong = new Api();
$wrong->api_url = $url;
$wrong->api_key = 'not-the-key';
$out['wrong_key'] = $wrong->balance();

echo json_encode($out);
