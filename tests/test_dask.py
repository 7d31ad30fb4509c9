"""boilerstrip.dask on a local two-worker Dask cluster: results equal clean()."""

from __future__ import annotations

import subprocess
import sys

import pytest

dask = pytest.importorskip("dask")
db = pytest.importorskip("dask.bag")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

from boilerstrip import clean  # noqa: E402
from boilerstrip.batch import clean_many  # noqa: E402
from boilerstrip.dask import clean_bag, clean_dataframe  # noqa: E402

from conftest import LABELLED, read_labelled  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


@pytest.fixture(scope="module")
def texts(html_fixtures) -> list:
    labelled = [read_labelled(p)[0] for p in sorted(LABELLED.glob("*.txt"))]
    return labelled + ["", "Menu\nHome"] + list(html_fixtures.values()) + [labelled[1].encode("utf-8")]


@pytest.fixture(scope="module")
def model_path(tiny_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "tiny.npz"
    tiny_model.save(path)
    return str(path)


def test_core_package_does_not_import_dask():
    code = "import sys, boilerstrip, boilerstrip.batch, boilerstrip.cli; print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_clean_bag_equals_clean_on_two_workers(client, texts, tiny_model, model_path):
    from boilerstrip.model import LineClassifier

    loaded = LineClassifier.load(model_path)  # what the workers see (float16 weights on disk)
    expected = [clean(t, model=loaded) for t in texts]
    bag = db.from_sequence(texts, npartitions=3)
    assert clean_bag(bag, model=model_path).compute() == expected
    # a model object travels in the graph; results as with the in-process model
    assert clean_bag(bag, model=tiny_model, batch_size=2).compute() == \
        [clean(t, model=tiny_model) for t in texts]
    # both workers took part
    assert len(client.scheduler_info()["workers"]) == 2


def test_clean_bag_kwargs_and_grouping(client, texts, tiny_model):
    bag = db.from_sequence(texts, npartitions=2)
    assert clean_bag(bag, model=tiny_model, threshold=0.3).compute() == \
        [clean(t, threshold=0.3, model=tiny_model) for t in texts]
    one = db.from_sequence(texts, npartitions=1)
    site = lambda t: "s" if isinstance(t, str) and len(t) > 500 else None  # noqa: E731
    assert clean_bag(one, model=tiny_model, group_by=site).compute() == \
        list(clean_many(texts, model=tiny_model, group_by=site))
    with pytest.raises(TypeError, match="n_jobs"):
        clean_bag(bag, n_jobs=2)


def test_clean_dataframe_equals_clean(client, texts, tiny_model, model_path):
    from boilerstrip.model import LineClassifier

    loaded = LineClassifier.load(model_path)
    strs = [t for t in texts if isinstance(t, str)]
    pdf = pd.DataFrame({"text": strs, "site": ["a"] * 4 + ["b"] * (len(strs) - 4),
                        "n": range(len(strs))})
    df = dd.from_pandas(pdf, npartitions=2)
    out = clean_dataframe(df, model=model_path).compute()
    assert list(out.columns) == ["text", "site", "n", "clean"]
    assert out["clean"].tolist() == [clean(t, model=loaded) for t in strs]
    assert out["n"].tolist() == list(range(len(strs)))

    grouped = clean_dataframe(df, out_column="body", group_by="site", model=tiny_model).compute()
    expected = []
    for part in (df.get_partition(0).compute(), df.get_partition(1).compute()):
        expected += list(clean_many(part["text"].tolist(), group_by=part["site"].tolist(), model=tiny_model))
    assert grouped["body"].tolist() == expected
    with pytest.raises(KeyError):
        clean_dataframe(df, column="nope")
    with pytest.raises(KeyError):
        clean_dataframe(df, group_by="nope")


def test_clean_dataframe_missing_values(client, tiny_model):
    pdf = pd.DataFrame({"text": ["Menu\nHome", None, ""]})
    out = clean_dataframe(dd.from_pandas(pdf, npartitions=1), model=tiny_model).compute()
    assert out["clean"].tolist() == [clean("Menu\nHome", model=tiny_model), "", ""]


def test_default_model_loaded_in_workers(client, default_model):
    texts = [read_labelled(p)[0] for p in sorted(LABELLED.glob("*.txt"))]
    got = clean_bag(db.from_sequence(texts, npartitions=2)).compute()
    assert got == [clean(t, model=default_model) for t in texts]
