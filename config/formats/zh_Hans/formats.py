"""Number formats for Simplified Chinese pages, over Django's own (django.conf.locale.zh_Hans).

Django groups nothing in Chinese (an empty THOUSAND_SEPARATOR), so that 100000 would read as one
run of digits. Chinese catalogues and search engines group by thousands with a comma
(共 100,000 条), as GB/T 15835-2011 allows; the counts on Chinese pages do the same.
Every other format (dates: 1954年9月30日) stays Django's.
"""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
