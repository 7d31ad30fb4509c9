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

from conftest import LABELLED, read_labelled  # noqa: E402

from boilerstrip import clean  # noqa: E402
from boilerstrip.batch import clean_many  # noqa: E402
from boilerstrip.dask import clean_bag, clean_dataframe, clean_partition  # noqa: E402
from boilerstrip.model import LineModel  # noqa: E402


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
def model_path(tiny_model_path) -> str:
    return str(tiny_model_path)


def test_core_package_does_not_import_dask():
    code = "import sys, boilerstrip, boilerstrip.batch, boilerstrip.cli; print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_clean_bag_equals_clean_on_two_workers(client, texts, tiny_model, model_path):
    loaded = LineModel.load(model_path)  # what the workers see (float16 weights on disk)
    expected = [clean(t, model=loaded) for t in texts]
    bag = db.from_sequence(texts, npartitions=3)
    assert clean_bag(bag, model=model_path).compute() == expected
    # a model object travels in the graph; results as with the in-process model
    assert clean_bag(bag, model=tiny_model, batch_size=2).compute() == \
        [clean(t, model=tiny_model) for t in texts]
    # both workers took part
    assert len(client.scheduler_info()["workers"]) == 2


def test_clean_bag_kwargs(client, texts, tiny_model):
    bag = db.from_sequence(texts, npartitions=2)
    assert clean_bag(bag, model=tiny_model, threshold=0.3).compute() == \
        [clean(t, threshold=0.3, model=tiny_model) for t in texts]
    assert clean_bag(bag, model=tiny_model, format="text", include_title=True, batch_size=3).compute() == \
        [clean(t, format="text", include_title=True, model=tiny_model) for t in texts]
    with pytest.raises(TypeError, match="n_jobs"):
        clean_bag(bag, n_jobs=2)


def test_clean_partition_is_clean_many(texts, tiny_model):
    assert clean_partition(texts, model=tiny_model, threshold=0.3) == \
        list(clean_many(texts, model=tiny_model, threshold=0.3))
    assert clean_partition(iter(texts), model=tiny_model) == [clean(t, model=tiny_model) for t in texts]


def test_clean_dataframe_equals_clean(client, texts, tiny_model, model_path):
    loaded = LineModel.load(model_path)
    strs = [t for t in texts if isinstance(t, str)]
    pdf = pd.DataFrame({"text": strs, "site": ["a"] * 4 + ["b"] * (len(strs) - 4),
                        "n": range(len(strs))})
    df = dd.from_pandas(pdf, npartitions=2)
    out = clean_dataframe(df, model=model_path).compute()
    assert list(out.columns) == ["text", "site", "n", "clean"]
    assert out["clean"].tolist() == [clean(t, model=loaded) for t in strs]
    assert out["n"].tolist() == list(range(len(strs)))

    body = clean_dataframe(df, out_column="body", model=tiny_model, threshold=0.3).compute()
    assert list(body.columns) == ["text", "site", "n", "body"]
    assert body["body"].tolist() == [clean(t, threshold=0.3, model=tiny_model) for t in strs]
    replaced = clean_dataframe(df, out_column="text", model=tiny_model).compute()
    assert replaced["text"].tolist() == [clean(t, model=tiny_model) for t in strs]
    with pytest.raises(KeyError):
        clean_dataframe(df, column="nope")


def test_clean_dataframe_missing_values(client, tiny_model):
    pdf = pd.DataFrame({"text": ["Menu\nHome", None, ""]})
    out = clean_dataframe(dd.from_pandas(pdf, npartitions=1), model=tiny_model).compute()
    assert out["clean"].tolist() == [clean("Menu\nHome", model=tiny_model), "", ""]


def test_default_model_loaded_in_workers(client, default_model):
    texts = [read_labelled(p)[0] for p in sorted(LABELLED.glob("*.txt"))]
    got = clean_bag(db.from_sequence(texts, npartitions=2)).compute()
    assert got == [clean(t, model=default_model) for t in texts]
