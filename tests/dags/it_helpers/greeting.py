"""A helper module DAGs import from the dags folder."""


def greeting() -> str:
    return "hello from it_helpers"
