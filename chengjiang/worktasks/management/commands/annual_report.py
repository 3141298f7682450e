"""``manage.py annual_report --year 2024 [--scope ORG] [--format md|docx|xlsx] [--output FILE]``

Writes the year-end summary drafted from the measures (markdown to standard output without
--output), or the checklist's progress as .xlsx. ``--scope`` names an organisation (its name or
id); without it the whole tree is reported. The default wording speaks for the sub-district, or
for a village; a scope below a village needs its own saved wording.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from chengjiang import tree
from chengjiang.worktasks.exports import progress_xlsx, report_docx
from chengjiang.worktasks.models import Checklist
from chengjiang.worktasks.report import as_markdown, render_report
from chengjiang.worktasks.selectors import checklist_progress


class Command(BaseCommand):
    help = "Write the year-end summary (年度工作总结) or the checklist's progress for a year."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--scope", help="organisation name or id (default: the whole tree)")
        parser.add_argument("--format", choices=("md", "docx", "xlsx"), default="md")
        parser.add_argument("--output", help="file to write (markdown goes to stdout without it)")

    def handle(self, *args, year, scope, format, output, **options):
        Organization = tree.organization_model()
        org = None
        path = ""
        if scope:
            lookup = Q(name=scope) | (Q(pk=int(scope)) if scope.isdigit() else Q())
            found = list(Organization.objects.filter(lookup)[:2])
            if len(found) != 1:
                raise CommandError("组织“%s”不存在或不唯一。" % scope)
            org = found[0]
            path = org.path
        elif (root := Organization.objects.filter(parent=None).order_by("pk")).count() == 1:
            org = root.first()
        if format in ("docx", "xlsx") and not output:
            raise CommandError("--format %s needs --output FILE." % format)
        if format == "xlsx":
            checklist = Checklist.objects.filter(year=year).first()
            if checklist is None:
                raise CommandError("%d年没有工作任务清单。" % year)
            data = progress_xlsx(checklist_progress(checklist, path, getattr(org, "pk", None)))
            Path(output).write_bytes(data)
        else:
            report = render_report(year=year, scope=path, scope_org=org)
            if not report.offered:
                raise CommandError("“%s”没有本单位自己的总结措辞；默认措辞只为街道和村起草。" % org)
            if format == "docx":
                Path(output).write_bytes(report_docx(report))
            else:
                text = as_markdown(report)
                if output:
                    Path(output).write_text(text, encoding="utf-8")
                else:
                    self.stdout.write(text)
                    return
        self.stderr.write("已写入 %s" % output)
