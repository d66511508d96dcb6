"""The 2019 grant report as PDF (with its XLSX attached) on the demo database.

Prints:
  report_pdf_s        seconds to render the report (goal: at most 10 on 2 cores)
  report_pdf_peak_mb  the peak resident memory of a fresh process that only renders it
                      (goal: at most 500), so the benchmark's own memory does not count
"""

import multiprocessing
import resource
import sys
import time


def _render(queue):
    import django

    django.setup()  # a fresh interpreter (spawned): its memory is the report's alone
    from ozgeris.models import Programme
    from ozgeris.registries import exporters, no_progress

    programme = Programme.objects.get(year=2019)
    started = time.perf_counter()
    _name, _type, content = exporters.get("report").render(programme, {"language": "ru"},
                                                           no_progress)
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    queue.put((elapsed, peak_kb / 1024, len(content)))


def run():
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_render, args=(queue,))
    child.start()
    elapsed, peak_mb, size = queue.get(timeout=300)
    child.join()
    print(f"report_pdf_s={elapsed:.2f}")
    print(f"report_pdf_peak_mb={peak_mb:.0f}")
    print(f"report_pdf_bytes={size}", file=sys.stderr)
