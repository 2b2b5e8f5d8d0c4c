import time, cProfile, pstats
import pytest

@pytest.mark.django_db(transaction=True)
def test_prof():
    from kraftsamla.organisations.demo import demo_data_load
    from kraftsamla.organisations.reference import reference_data_load
    from django.core.management import call_command
    call_command("flush", interactive=False, verbosity=0)
    pr = cProfile.Profile(); pr.enable()
    t=time.time(); reference_data_load(); t1=time.time(); demo_data_load(); t2=time.time()
    pr.disable()
    print("ref", t1-t, "demo", t2-t1)
    pstats.Stats(pr).sort_stats("cumulative").print_stats(25)
