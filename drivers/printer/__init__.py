"""ESC/POS ticket printers on python-escpos: layout, raster and text rendering, status, errors.

Use `TicketPrinter(url).print_ticket(view)`; `render.render_ticket_image(view, dots)` draws the
same ticket for a screen. Submodules import lazily, so `layso --help` stays quick.
"""
