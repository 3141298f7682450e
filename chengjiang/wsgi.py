import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chengjiang.settings")
os.environ["CHENGJIANG_SERVING"] = "1"  # settings then insist on a SECRET_KEY when DEBUG is off
application = get_wsgi_application()
