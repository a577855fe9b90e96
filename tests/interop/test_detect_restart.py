"""Detection datasets and jobs are stored: after `rrm serve` restarts on the same data
directory, datasets are listed and usable, finished jobs keep their groups, the per-organisation
dataset quota still counts them, and a job the restart interrupted (here by SIGKILL) is
reported failed, never lost."""

import time

import requests

PASSWORD = "correct horse battery"
CSV_HEAD = "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n"


def coordinated_csv():
    rows = [CSV_HEAD]
    n = 0
    for item in range(20):
        for user in ("a", "b", "c"):
            n += 1
            rows.append(f"m{n},{user},n{user},orig{item},,RT {item},{item * 1000 + n},\n")
    for i in range(30):
        n += 1
        rows.append(f"m{n},x{i},nx{i},,,hello {i},{i * 7919},\n")
    return "".join(rows).encode()


def slow_csv(n_posts=60000, n_users=1500):
    """Posts of many accounts over a long time: co_post with a huge window is slow."""
    rows = [CSV_HEAD]
    for i in range(n_posts):
        u = i % n_users
        rows.append(f"m{i},u{u},n{u},,,text {i},{i},\n")
    return "".join(rows).encode()


def api(h, method, path, **kw):
    return requests.request(method, f"{h.url}/api/v1{path}", auth=("ana", PASSWORD), timeout=120, **kw)


def upload(h, body, name="posts.csv"):
    r = api(h, "POST", f"/datasets?account_type=twitter&name={name}", data=body,
            headers={"Content-Type": "text/csv"})
    assert r.status_code == 201, r.text
    return r.json()


def start(h, dataset, **params):
    body = {"dataset": dataset, "networks": ["co_retweet"], "window": 60, "min_weight": 3}
    body.update(params)
    r = api(h, "POST", "/detections", json=body)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def wait(h, job, states=("done", "failed", "cancelled"), timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = api(h, "GET", f"/detections/{job}").json()
        if v["status"] in states:
            return v
        time.sleep(0.05)
    raise AssertionError(f"job {job} never reached {states}: {v}")


def make_hub(new_hub):
    h = new_hub()
    h.org("gov-a")
    h.user("gov-a", "ana")
    h.cib = h.collection("cib", "Coordinated behaviour")
    h.grant("gov-a", "cib", write=True)
    return h.start()


def test_datasets_and_jobs_survive_a_restart(new_hub):
    h = make_hub(new_hub)
    ds = upload(h, coordinated_csv())
    job = start(h, ds["id"])
    done = wait(h, job)
    assert done["status"] == "done" and done["groups"], done
    h.stop()
    h.start()

    assert api(h, "GET", f"/datasets/{ds['id']}").json() == ds
    listed = api(h, "GET", "/datasets").json()["datasets"]
    assert [d["id"] for d in listed] == [ds["id"]]
    assert api(h, "GET", f"/detections/{job}").json() == done
    assert [j["id"] for j in api(h, "GET", "/detections").json()["detections"]] == [job]
    # The stored dataset is usable: a new job over it finds the same groups.
    again = wait(h, start(h, ds["id"]))
    assert again["groups"] == done["groups"]
    # The restored job publishes (its account type kept with its result).
    r = api(h, "POST", f"/detections/{job}/publish", json={"groups": ["group-1"], "collection": h.cib})
    assert r.status_code == 200, r.text
    assert r.json()["status"]["failure_count"] == 0
    # The quota of 4 datasets counts the stored one: 4 more uploads evict it.
    newer = [upload(h, coordinated_csv())["id"] for _ in range(4)]
    assert api(h, "GET", f"/datasets/{ds['id']}").status_code == 404
    assert [d["id"] for d in api(h, "GET", "/datasets").json()["datasets"]] == newer


def test_a_job_killed_mid_run_is_failed_after_restart(new_hub):
    h = make_hub(new_hub)
    ds = upload(h, slow_csv(), name="slow.csv")
    job = start(h, ds["id"], networks=["co_post"], window=1e9, min_weight=1)
    queued = start(h, ds["id"], networks=["co_post"], window=1e9, min_weight=1)
    running = wait(h, job, states=("running",), timeout=60)
    assert running["status"] == "running"
    h.stop(kill=True)
    h.start()

    for j in (job, queued):
        v = api(h, "GET", f"/detections/{j}").json()
        assert v["status"] == "failed", v
        assert v["error"] == "interrupted by a restart", v
    # The dataset is still there for a new attempt.
    assert api(h, "GET", f"/datasets/{ds['id']}").json() == ds


def test_a_full_detection_queue_answers_503_busy(new_hub):
    h = new_hub()
    h.org("gov-a")
    h.user("gov-a", "ana")
    h.start("--detect-workers", "1", "--detect-queue", "0")
    ds = upload(h, slow_csv(), name="slow.csv")
    job = start(h, ds["id"], networks=["co_post"], window=1e9, min_weight=1)
    wait(h, job, states=("running",), timeout=60)
    r = api(h, "POST", "/detections", json={"dataset": ds["id"], "networks": ["co_retweet"]})
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "busy"
    assert int(r.headers["Retry-After"]) >= 1
    assert [j["id"] for j in api(h, "GET", "/detections").json()["detections"]] == [job]
    assert api(h, "POST", f"/detections/{job}/cancel").status_code == 200
    assert wait(h, job)["status"] == "cancelled"
    # A free worker takes the next job.
    assert wait(h, start(h, ds["id"], networks=["co_retweet"]))["status"] == "done"
