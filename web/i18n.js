// Every string the page shows, in Vietnamese (the default: the users are commune
// officers) and English, and the number formats of each language.
//
// Keys are grouped by prefix: `status.canal.*`, `status.clearance.*`, … translate the
// API's enumerated values, keyed by the values themselves (which the page reads from the
// server's queryables); a value the dictionaries do not know is shown as sent.

export const LANGS = ['vi', 'en'];

const vi = {
  'app.title': 'Bản đồ quy hoạch tiêu thoát nước',
  'app.commune': 'Quỳnh Liên (nay thuộc phường Quỳnh Mai), tỉnh Nghệ An',
  'app.loading': 'Đang tải dữ liệu…',
  'app.load_error': 'Không tải được dữ liệu: {msg}',
  'lang.switch': 'Ngôn ngữ',
  'auth.sign_in': 'Đăng nhập',
  'auth.sign_out': 'Đăng xuất',
  'auth.name': 'Tên đăng nhập',
  'auth.password': 'Mật khẩu',
  'auth.why': 'Tên chủ hộ, chủ sử dụng đất và đóng góp của từng hộ chỉ hiện với cán bộ đã đăng nhập.',
  'auth.failed': 'Không đăng nhập được: {msg}',
  'auth.expired': 'Phiên đăng nhập đã hết hạn; hãy đăng nhập lại.',
  'auth.role.viewer': 'xem',
  'auth.role.officer': 'cán bộ',
  'auth.role.admin': 'quản trị',
  'auth.hidden': 'ẩn (cần đăng nhập)',
  'layer.signin': 'cần đăng nhập',

  'village.pick': 'Thôn',
  'village.all': 'Toàn xã',

  'layers.title': 'Lớp bản đồ',
  'layer.villages': 'Ranh giới thôn',
  'layer.canals': 'Mương tiêu',
  'layer.parcels': 'Thửa đất',
  'layer.flood_zones': 'Vùng ngập úng',
  'layer.households': 'Hộ dân',
  'layer.osm': 'Nền OpenStreetMap (cần Internet)',
  'layer.zoom_in': 'phóng to để xem',
  'layer.too_many': 'quá nhiều đối tượng, hãy phóng to',
  'layer.count': '{n}',

  'legend.title': 'Chú giải',
  'legend.show': 'Hiện chú giải',
  'legend.hide': 'Ẩn chú giải',
  'legend.canals': 'Mương',
  'legend.flood': 'Độ sâu ngập',
  'legend.parcels': 'GPMB',
  'legend.households': 'Nước máy',
  'legend.depth_lt': 'dưới {v} m',
  'legend.depth_range': '{a}–{b} m',
  'legend.depth_ge': 'từ {v} m',

  'tab.reports': 'Báo cáo',
  'tab.impact': 'Tác động tuyến',

  'report.canals.title': 'Chiều dài mương theo thôn',
  'report.canals.total': 'Tổng chiều dài mương',
  'report.canals.commune': 'Toàn xã',
  'report.canals.none': 'Chưa có mương nào.',
  'report.canals.outside': 'Ngoài ranh thôn',
  'report.water.title': 'Đăng ký nước máy so với chỉ tiêu',
  'report.water.target': 'Chỉ tiêu {p}',
  'report.water.detail': '{reg}/{dw} nhà · {conn} đã đấu nối',
  'report.water.households': '{hh} hộ, {dw} nhà',
  'report.water.to_target': 'còn thiếu {n}',
  'report.water.reached': 'đạt',
  'report.error': 'Không tải được báo cáo: {msg}',

  'impact.intro': 'Chọn một tuyến mương đã lưu hoặc vẽ tuyến mới trên bản đồ để xem các thửa đất bị ảnh hưởng.',
  'impact.pick_canal': 'Tuyến mương đã lưu',
  'impact.pick_none': '— chọn tuyến —',
  'impact.draw': 'Vẽ tuyến mới',
  'impact.drawing': 'Nhấp vào bản đồ để thêm điểm; nhấp đúp hoặc bấm “Xong” để kết thúc.',
  'impact.finish': 'Xong',
  'impact.cancel': 'Huỷ',
  'impact.clear': 'Xoá kết quả',
  'impact.width': 'Bề rộng hành lang (m)',
  'impact.running': 'Đang tính…',
  'impact.error': 'Không tính được: {msg}',
  'impact.need_two': 'Cần ít nhất hai điểm để tạo tuyến.',
  'impact.summary': 'Tuyến dài {len} m · hành lang {w} m · diện tích hành lang {area} m²',
  'impact.drawn_route': 'Tuyến vẽ tay',
  'impact.parcels.title': 'Thửa đất bị ảnh hưởng',
  'impact.parcels.none': 'Tuyến không đi qua thửa đất nào.',
  'impact.col.parcel': 'Tờ/thửa',
  'impact.col.owner': 'Chủ sử dụng',
  'impact.col.taken': 'Lấy (m²)',
  'impact.col.share': 'Tỷ lệ',
  'impact.col.fence': 'Rào (m)',
  'impact.col.status': 'GPMB',
  'impact.total': 'Tổng: {n} thửa, {hh} hộ',
  'impact.col.fence_title': 'Chiều dài tường/rào mặt tiền phải làm lại',
  'impact.col.taken_title': 'Diện tích bị lấy cho hành lang',
  'impact.kpi.taken': 'm² đất phải lấy',
  'impact.kpi.fence': 'm tường/rào làm lại',
  'impact.kpi.gates': 'cổng làm lại',
  'impact.gates': 'Cổng phải làm lại: {n}',
  'impact.by_status': 'Theo tình trạng GPMB',
  'impact.flood.title': 'Vùng ngập tuyến đi qua',
  'impact.flood.row': '{name} — sâu {depth} m, {len} m trong vùng ngập',
  'impact.flood.none': 'Tuyến không đi qua vùng ngập nào.',
  'impact.served.title': 'Hộ bị ngập được tuyến phục vụ (không mất đất)',
  'impact.served.none': 'Không có.',
  'impact.served.note': 'Đây là các hộ dự kiến đóng góp kinh phí và ngày công.',
  'impact.row_hint': 'Nhấp vào một dòng để tìm thửa trên bản đồ.',

  'export.title': 'Tải xuống',
  'export.open': 'Tải dữ liệu xuống: GeoJSON, CSV, KML, Shapefile, GeoPackage, DXF',
  'export.close': 'Ẩn',
  'export.what': 'Dữ liệu',
  'export.impact': 'Dải đất bị lấy của tuyến đang xem',
  'export.impact_hint': 'Muốn tải dải đất bị lấy, hãy chọn hoặc vẽ tuyến ở thẻ “Tác động tuyến”.',
  'export.extent': 'Phạm vi',
  'export.extent.all': 'Cả lớp',
  'export.extent.view': 'Vùng đang xem',
  'export.format': 'Định dạng',
  'export.fmt.geojson': 'GeoJSON',
  'export.fmt.csv': 'CSV (hình học dạng WKT)',
  'export.fmt.kml': 'KML (Google Earth, chỉ WGS84)',
  'export.fmt.shp': 'Shapefile (.zip, kèm .prj)',
  'export.fmt.gpkg': 'GeoPackage',
  'export.fmt.dxf': 'DXF (AutoCAD)',
  'export.crs': 'Hệ toạ độ',
  'export.crs.wgs84': 'WGS84 (kinh độ, vĩ độ)',
  'export.crs.tm3': 'VN-2000 TM-3 104°45′ Nghệ An (EPSG:9208)',
  'export.crs.utm': 'VN-2000 UTM múi 48N (EPSG:3405)',
  'export.crs.towgs84': 'VN-2000 TM-3, chuỗi +towgs84 phổ biến',
  'export.crs.towgs84_tip': 'Cùng lưới TM-3 104°45′, nhưng theo chuỗi +towgs84 hay được chép trong tài liệu GIS: ba góc xoay ngược dấu nên lệch khoảng 0,7 m so với EPSG:9208. Chỉ chọn khi cần khớp với bản vẽ làm bằng phần mềm cài chuỗi đó.',
  'export.crs_default': 'DXF và Shapefile mặc định VN-2000 TM-3 (EPSG:9208); định dạng khác mặc định WGS84.',
  'export.crs_short.wgs84': 'WGS84',
  'export.crs_short.tm3': 'VN-2000 TM-3',
  'export.crs_short.utm': 'VN-2000 UTM 48N',
  'export.crs_short.towgs84': 'VN-2000 TM-3 (+towgs84)',
  'export.go': 'Tải xuống',
  'export.busy': 'Đang tạo tệp…',
  'export.done': 'Đã tải {file} ({size}).',
  'export.error': 'Không tải được: {msg}',
  'export.dossier': 'Hồ sơ thiết kế (zip)',
  'export.dossier_title': 'Tuyến, hành lang, thửa bị ảnh hưởng và dải đất bị lấy (DXF và Shapefile, VN-2000 TM-3), bảng toạ độ cọc Km+m, bảng đất bị lấy theo thửa và theo chủ sử dụng, README.',
  'export.strips': 'Xuất dải đất bị lấy',
  'export.strips_title': 'Phần đất hành lang lấy của từng thửa, theo định dạng và hệ toạ độ chọn ở bảng Tải xuống.',
  'export.change': 'đổi',

  'f.name': 'Tên',
  'f.code': 'Mã',
  'f.status': 'Trạng thái',
  'f.length_m': 'Chiều dài',
  'f.funding': 'Nguồn vốn',
  'f.width_m': 'Bề rộng',
  'f.depth_m': 'Độ sâu',
  'f.lining': 'Kết cấu',
  'f.year': 'Năm',
  'f.status_date': 'Ngày cập nhật',
  'f.villages': 'Thôn',
  'f.village': 'Thôn',
  'f.map_sheet': 'Tờ bản đồ',
  'f.parcel_no': 'Số thửa',
  'f.land_use': 'Loại đất',
  'f.area_legal_m2': 'Diện tích pháp lý',
  'f.owner': 'Chủ sử dụng',
  'f.clearance_status': 'Tình trạng GPMB',
  'f.clearance_date': 'Ngày GPMB',
  'f.fence_type': 'Tường/rào mặt tiền',
  'f.gate': 'Có cổng',
  'f.duration_days': 'Thời gian ngập',
  'f.frequency': 'Tần suất',
  'f.last_observed': 'Lần ngập gần nhất',
  'f.head': 'Chủ hộ',
  'f.members': 'Số nhân khẩu',
  'f.dwelling_id': 'Mã nhà',
  'f.water_status': 'Nước máy',
  'f.water_date': 'Ngày đăng ký/đấu nối',
  'f.contrib': 'Đóng góp (cam kết / đã thực hiện)',
  'f.land': 'Đất',
  'f.labour': 'Ngày công',
  'f.money': 'Kinh phí',
  'f.water_target_rate': 'Chỉ tiêu nước máy',
  'f.commune': 'Xã',
  'f.analyse': 'Xem tác động của tuyến này',

  'edit.offline': 'Không có kết nối: đóng góp và đăng ký nước máy ghi ở đây được giữ trên máy này và gửi khi có mạng lại.',
  'edit.queued': 'Đã giữ trên máy này; sẽ gửi khi có mạng lại.',
  'edit.kept_signin': 'Thay đổi được giữ trên máy này và sẽ gửi khi {user} đăng nhập lại.',
  'outbox.button': 'Chờ gửi',
  'outbox.title': 'Thay đổi chờ gửi',
  'outbox.waiting': '{n} chờ gửi',
  'outbox.none': 'Không có thay đổi nào chờ gửi.',
  'outbox.state.waiting': 'Chờ gửi',
  'outbox.state.sent': 'Đã gửi',
  'outbox.state.refused': 'Bị từ chối',
  'outbox.signin_as': 'Đăng nhập bằng {user} để gửi.',
  'outbox.send_now': 'Gửi ngay',
  'outbox.clear_done': 'Xoá các mục đã xong',
  'outbox.step.contribution': 'Đóng góp',
  'outbox.step.water': 'Nước máy',
  'outbox.step.clearance': 'Bước GPMB',
  'outbox.step.canal_status': 'Trạng thái mương',
  'outbox.entered': 'ghi lúc {at}',
  'phone.layers': 'Lớp',
  'phone.legend': 'Chú giải',
  'phone.reports': 'Báo cáo',
  'phone.impact': 'Tác động',
  'phone.close': 'Đóng',
  'phone.panels': 'Bảng',
  'edit.save': 'Lưu',
  'edit.saving': 'Đang lưu…',
  'edit.saved': 'Đã lưu.',
  'edit.date': 'Ngày',
  'edit.current': '(hiện tại)',
  'edit.stale': 'Có người khác vừa thay đổi đối tượng này sau khi bạn mở nó — đã tải lại. Hãy xem lại rồi lưu lần nữa.',
  'edit.failed': 'Không lưu được: {msg}',
  'edit.not_allowed': 'Không có quyền sửa: {msg}',
  'edit.gone': 'Đối tượng này không còn trên máy chủ.',
  'edit.date_invalid': 'Hãy chọn ngày.',
  'edit.canal_status.title': 'Cập nhật trạng thái mương',
  'edit.canal_status.status': 'Trạng thái',
  'edit.clearance.title': 'Ghi nhận bước GPMB',
  'edit.clearance.status': 'Bước GPMB',
  'edit.water.title': 'Ghi nhận đăng ký/đấu nối nước máy',
  'edit.water.status': 'Nước máy',
  'edit.contribution.title': 'Ghi nhận đóng góp',
  'edit.contribution.kind': 'Loại',
  'edit.contribution.kind.land': 'Đất',
  'edit.contribution.kind.labour': 'Ngày công',
  'edit.contribution.kind.money': 'Kinh phí',
  'edit.contribution.amount': 'Số lượng',
  'edit.contribution.unit.land': 'm²',
  'edit.contribution.unit.labour': 'ngày',
  'edit.contribution.unit.money': 'đ',
  'edit.contribution.state': 'Tình trạng',
  'edit.contribution.state.pledged': 'Cam kết',
  'edit.contribution.state.done': 'Đã thực hiện',
  'edit.contribution.amount_invalid': 'Hãy nhập một số lớn hơn 0.',

  'history.show': 'Lịch sử thay đổi ▸',
  'history.hide': 'Lịch sử thay đổi ▾',
  'history.none': 'Chưa có thay đổi nào.',
  'history.error': 'Không tải được lịch sử: {msg}',
  'history.more': 'và {n} thay đổi cũ hơn',
  'history.col.at': 'Thời gian',
  'history.col.user': 'Người sửa',
  'history.col.changes': 'Thay đổi',
  'history.created': 'Tạo mới',
  'history.deleted': 'Xoá',
  'history.geometry': 'Sửa hình dạng',
  'history.no_change': 'Không đổi thuộc tính nào',

  'progress.title': 'Tiến độ theo tháng',
  'progress.none': 'Chưa có cập nhật nào được ghi nhận.',
  'progress.water_start': 'Tỷ lệ đăng ký nước máy trước lần cập nhật đầu tiên: {p}',
  'progress.edits': '{n} lần cập nhật',
  'progress.canals': 'Mương',
  'progress.completed': 'hoàn thành',
  'progress.started': 'khởi công',
  'progress.parcels': 'GPMB',
  'progress.contrib': 'Đóng góp',
  'progress.water': 'Nước máy',
  'progress.points': '{d} điểm %',
  'progress.c.land_pledged_m2': 'Đất cam kết',
  'progress.c.land_donated_m2': 'Đất đã hiến',
  'progress.c.labour_pledged_days': 'Công cam kết',
  'progress.c.labour_done_days': 'Công đã làm',
  'progress.c.money_pledged_vnd': 'Tiền cam kết',
  'progress.c.money_paid_vnd': 'Tiền đã nộp',

  'f.land_pledged_m2': 'Đất cam kết',
  'f.land_donated_m2': 'Đất đã hiến',
  'f.labour_pledged_days': 'Ngày công cam kết',
  'f.labour_done_days': 'Ngày công đã làm',
  'f.money_pledged_vnd': 'Kinh phí cam kết',
  'f.money_paid_vnd': 'Kinh phí đã nộp',

  'feature.village': 'Thôn',
  'feature.canal': 'Mương',
  'feature.parcel': 'Thửa đất',
  'feature.flood_zone': 'Vùng ngập',
  'feature.household': 'Hộ dân',

  'unit.m': 'm',
  'unit.m2': 'm²',
  'unit.days': 'ngày',
  'unit.people': 'người',
  'unit.vnd': 'đ',
  'unit.households': 'hộ',
  'yes': 'Có',
  'no': 'Không',

  'status.canal.existing': 'Hiện có',
  'status.canal.completed': 'Đã hoàn thành',
  'status.canal.under_construction': 'Đang thi công',
  'status.canal.planned': 'Quy hoạch (đã phê duyệt)',
  'status.canal.proposed': 'Đề xuất',
  'status.canal_short.existing': 'Hiện có',
  'status.canal_short.completed': 'Đã hoàn thành',
  'status.canal_short.under_construction': 'Đang thi công',
  'status.canal_short.planned': 'Quy hoạch',
  'status.canal_short.proposed': 'Đề xuất',
  'status.clearance_short.cleared': 'Đã bàn giao',
  'status.clearance.not_required': 'Không cần GPMB',
  'status.clearance.awaiting': 'Chưa đồng thuận',
  'status.clearance.agreed': 'Đã đồng thuận',
  'status.clearance.donated': 'Đã hiến đất',
  'status.clearance.compensated': 'Đã bồi thường',
  'status.clearance.cleared': 'Đã bàn giao mặt bằng',
  'status.water.not_registered': 'Chưa đăng ký',
  'status.water.registered': 'Đã đăng ký',
  'status.water.connected': 'Đã đấu nối',
  'status.fence.wall': 'Tường bao',
  'status.fence.fence': 'Hàng rào',
  'status.fence.hedge': 'Hàng rào cây',
  'status.fence.none': 'Không có',
  'status.frequency.yearly': 'Hằng năm',
  'status.frequency.annual': 'Hằng năm',
  'status.frequency.every_rain': 'Mỗi trận mưa lớn',
  'status.frequency.heavy_rain': 'Khi mưa lớn',
  'status.frequency.seasonal': 'Theo mùa mưa',
  'status.frequency.several_per_year': 'Nhiều lần mỗi năm',
  'status.frequency.occasional': 'Thỉnh thoảng',
  'status.lining.concrete': 'Bê tông',
  'status.lining.brick': 'Gạch xây',
  'status.lining.stone': 'Đá xây',
  'status.lining.earth': 'Đất',
  'status.lining.none': 'Không kè',
  'status.funding.socialised': 'Xã hội hoá',
  'status.funding.socialized': 'Xã hội hoá',
  'status.funding.state': 'Ngân sách nhà nước',
  'status.funding.budget': 'Ngân sách',
  'status.funding.mixed': 'Hỗn hợp',
};

const en = {
  'app.title': 'Drainage planning map',
  'app.commune': 'Quỳnh Liên (since July 2025 part of Quỳnh Mai ward), Nghệ An',
  'app.loading': 'Loading data…',
  'app.load_error': 'Could not load the data: {msg}',
  'lang.switch': 'Language',
  'auth.sign_in': 'Sign in',
  'auth.sign_out': 'Sign out',
  'auth.name': 'User name',
  'auth.password': 'Password',
  'auth.why': 'Household heads, parcel owners and each household’s contributions are shown to signed-in officers only.',
  'auth.failed': 'Could not sign in: {msg}',
  'auth.expired': 'The session has expired; sign in again.',
  'auth.role.viewer': 'viewer',
  'auth.role.officer': 'officer',
  'auth.role.admin': 'admin',
  'auth.hidden': 'hidden (sign in)',
  'layer.signin': 'sign in to see',

  'village.pick': 'Village',
  'village.all': 'Whole commune',

  'layers.title': 'Layers',
  'layer.villages': 'Village boundaries',
  'layer.canals': 'Drainage canals',
  'layer.parcels': 'Land parcels',
  'layer.flood_zones': 'Flood zones',
  'layer.households': 'Households',
  'layer.osm': 'OpenStreetMap background (needs Internet)',
  'layer.zoom_in': 'zoom in to see',
  'layer.too_many': 'too many features, zoom in',
  'layer.count': '{n}',

  'legend.title': 'Legend',
  'legend.show': 'Show legend',
  'legend.hide': 'Hide legend',
  'legend.canals': 'Canals',
  'legend.flood': 'Flood depth',
  'legend.parcels': 'Clearance',
  'legend.households': 'Piped water',
  'legend.depth_lt': 'under {v} m',
  'legend.depth_range': '{a}–{b} m',
  'legend.depth_ge': '{v} m or more',

  'tab.reports': 'Reports',
  'tab.impact': 'Route impact',

  'report.canals.title': 'Canal length by village',
  'report.canals.total': 'Total canal length',
  'report.canals.commune': 'Whole commune',
  'report.canals.none': 'No canals yet.',
  'report.canals.outside': 'Outside the villages',
  'report.water.title': 'Piped-water registration against the target',
  'report.water.target': 'Target {p}',
  'report.water.detail': '{reg}/{dw} dwellings · {conn} connected',
  'report.water.households': '{hh} households, {dw} dwellings',
  'report.water.to_target': '{n} short',
  'report.water.reached': 'on target',
  'report.error': 'Could not load the report: {msg}',

  'impact.intro': 'Pick a stored canal or draw a new route on the map to see the parcels it affects.',
  'impact.pick_canal': 'Stored canal',
  'impact.pick_none': '— pick a canal —',
  'impact.draw': 'Draw a new route',
  'impact.drawing': 'Click the map to add points; double-click or press “Finish” to end.',
  'impact.finish': 'Finish',
  'impact.cancel': 'Cancel',
  'impact.clear': 'Clear result',
  'impact.width': 'Corridor width (m)',
  'impact.running': 'Computing…',
  'impact.error': 'Could not compute: {msg}',
  'impact.need_two': 'A route needs at least two points.',
  'impact.summary': 'Route {len} m long · corridor {w} m · corridor area {area} m²',
  'impact.drawn_route': 'Drawn route',
  'impact.parcels.title': 'Affected parcels',
  'impact.parcels.none': 'The route crosses no parcel.',
  'impact.col.parcel': 'Sheet/no.',
  'impact.col.owner': 'Owner',
  'impact.col.taken': 'Taken (m²)',
  'impact.col.share': 'Share',
  'impact.col.fence': 'Fence (m)',
  'impact.col.status': 'Clearance',
  'impact.total': 'Total: {n} parcels, {hh} households',
  'impact.col.fence_title': 'Frontage fence or wall to rebuild',
  'impact.col.taken_title': 'Area taken by the corridor',
  'impact.kpi.taken': 'm² of land taken',
  'impact.kpi.fence': 'm of fence to rebuild',
  'impact.kpi.gates': 'gates to rebuild',
  'impact.gates': 'Gates to rebuild: {n}',
  'impact.by_status': 'By clearance status',
  'impact.flood.title': 'Flood zones crossed',
  'impact.flood.row': '{name} — {depth} m deep, {len} m inside',
  'impact.flood.none': 'The route crosses no flood zone.',
  'impact.served.title': 'Flooded households served (no land taken)',
  'impact.served.none': 'None.',
  'impact.served.note': 'These are the expected money and labour contributors.',
  'impact.row_hint': 'Click a row to find the parcel on the map.',

  'export.title': 'Download',
  'export.open': 'Download data: GeoJSON, CSV, KML, Shapefile, GeoPackage, DXF',
  'export.close': 'Hide',
  'export.what': 'Data',
  'export.impact': 'Land taken by the route shown',
  'export.impact_hint': 'To download the land taken by a route, pick or draw one in the “Route impact” tab.',
  'export.extent': 'Extent',
  'export.extent.all': 'Whole layer',
  'export.extent.view': 'Current view',
  'export.format': 'Format',
  'export.fmt.geojson': 'GeoJSON',
  'export.fmt.csv': 'CSV (WKT geometry)',
  'export.fmt.kml': 'KML (Google Earth, WGS84 only)',
  'export.fmt.shp': 'Shapefile (zipped, with .prj)',
  'export.fmt.gpkg': 'GeoPackage',
  'export.fmt.dxf': 'DXF (AutoCAD)',
  'export.crs': 'Coordinate system',
  'export.crs.wgs84': 'WGS84 (longitude, latitude)',
  'export.crs.tm3': 'VN-2000 TM-3 104°45′ Nghệ An (EPSG:9208)',
  'export.crs.utm': 'VN-2000 UTM zone 48N (EPSG:3405)',
  'export.crs.towgs84': 'VN-2000 TM-3, widely copied +towgs84',
  'export.crs.towgs84_tip': 'The same TM-3 104°45′ grid, but with the +towgs84 string copied around GIS guides: its three rotations have the opposite sign, so it lands about 0.7 m from EPSG:9208. Choose it only to line up with drawings made by software set up with that string.',
  'export.crs_default': 'DXF and Shapefile default to VN-2000 TM-3 (EPSG:9208); other formats to WGS84.',
  'export.crs_short.wgs84': 'WGS84',
  'export.crs_short.tm3': 'VN-2000 TM-3',
  'export.crs_short.utm': 'VN-2000 UTM 48N',
  'export.crs_short.towgs84': 'VN-2000 TM-3 (+towgs84)',
  'export.go': 'Download',
  'export.busy': 'Making the file…',
  'export.done': 'Downloaded {file} ({size}).',
  'export.error': 'Could not download: {msg}',
  'export.dossier': 'Engineering dossier (zip)',
  'export.dossier_title': 'Route, corridor, affected parcels and taken strips (DXF and Shapefile, VN-2000 TM-3), chainage coordinate table, land taken per parcel and per owner, README.',
  'export.strips': 'Export taken strips',
  'export.strips_title': 'The land the corridor takes from each parcel, in the format and CRS chosen in the Download panel.',
  'export.change': 'change',

  'f.name': 'Name',
  'f.code': 'Code',
  'f.status': 'Status',
  'f.length_m': 'Length',
  'f.funding': 'Funding',
  'f.width_m': 'Width',
  'f.depth_m': 'Depth',
  'f.lining': 'Lining',
  'f.year': 'Year',
  'f.status_date': 'Status date',
  'f.villages': 'Villages',
  'f.village': 'Village',
  'f.map_sheet': 'Map sheet',
  'f.parcel_no': 'Parcel no.',
  'f.land_use': 'Land use',
  'f.area_legal_m2': 'Legal area',
  'f.owner': 'Owner',
  'f.clearance_status': 'Land clearance',
  'f.clearance_date': 'Clearance date',
  'f.fence_type': 'Frontage fence',
  'f.gate': 'Gate',
  'f.duration_days': 'Duration',
  'f.frequency': 'Frequency',
  'f.last_observed': 'Last observed',
  'f.head': 'Head of household',
  'f.members': 'Members',
  'f.dwelling_id': 'Dwelling',
  'f.water_status': 'Piped water',
  'f.water_date': 'Registered/connected on',
  'f.contrib': 'Contributions (pledged / done)',
  'f.land': 'Land',
  'f.labour': 'Labour',
  'f.money': 'Money',
  'f.water_target_rate': 'Piped-water target',
  'f.commune': 'Commune',
  'f.analyse': 'Show this route’s impact',

  'edit.offline': 'No connection: a contribution or water step recorded here is kept on this device and sent when the connection returns.',
  'edit.queued': 'Kept on this device; it will be sent when the connection returns.',
  'edit.kept_signin': 'The change is kept on this device and will be sent when {user} signs in again.',
  'outbox.button': 'To send',
  'outbox.title': 'Changes waiting to be sent',
  'outbox.waiting': '{n} waiting',
  'outbox.none': 'No change is waiting to be sent.',
  'outbox.state.waiting': 'Waiting',
  'outbox.state.sent': 'Sent',
  'outbox.state.refused': 'Refused',
  'outbox.signin_as': 'Sign in as {user} to send it.',
  'outbox.send_now': 'Send now',
  'outbox.clear_done': 'Clear the finished ones',
  'outbox.step.contribution': 'Contribution',
  'outbox.step.water': 'Piped water',
  'outbox.step.clearance': 'Clearance step',
  'outbox.step.canal_status': 'Canal status',
  'outbox.entered': 'entered {at}',
  'phone.layers': 'Layers',
  'phone.legend': 'Legend',
  'phone.reports': 'Reports',
  'phone.impact': 'Impact',
  'phone.close': 'Close',
  'phone.panels': 'Panels',
  'edit.save': 'Save',
  'edit.saving': 'Saving…',
  'edit.saved': 'Saved.',
  'edit.date': 'Date',
  'edit.current': '(now)',
  'edit.stale': 'Someone changed this since you opened it — reloaded. Check it and save again.',
  'edit.failed': 'Not saved: {msg}',
  'edit.not_allowed': 'Not allowed to edit: {msg}',
  'edit.gone': 'This feature is no longer on the server.',
  'edit.date_invalid': 'Pick a date.',
  'edit.canal_status.title': 'Set the canal’s status',
  'edit.canal_status.status': 'Status',
  'edit.clearance.title': 'Record a clearance step',
  'edit.clearance.status': 'Clearance step',
  'edit.water.title': 'Record a water registration or connection',
  'edit.water.status': 'Piped water',
  'edit.contribution.title': 'Record a contribution',
  'edit.contribution.kind': 'Kind',
  'edit.contribution.kind.land': 'Land',
  'edit.contribution.kind.labour': 'Labour',
  'edit.contribution.kind.money': 'Money',
  'edit.contribution.amount': 'Amount',
  'edit.contribution.unit.land': 'm²',
  'edit.contribution.unit.labour': 'days',
  'edit.contribution.unit.money': 'VND',
  'edit.contribution.state': 'State',
  'edit.contribution.state.pledged': 'Pledged',
  'edit.contribution.state.done': 'Done',
  'edit.contribution.amount_invalid': 'Enter a number above 0.',

  'history.show': 'Change history ▸',
  'history.hide': 'Change history ▾',
  'history.none': 'No changes yet.',
  'history.error': 'Could not load the history: {msg}',
  'history.more': 'and {n} older changes',
  'history.col.at': 'When',
  'history.col.user': 'Who',
  'history.col.changes': 'Changes',
  'history.created': 'Created',
  'history.deleted': 'Deleted',
  'history.geometry': 'Shape changed',
  'history.no_change': 'No property changed',

  'progress.title': 'Progress by month',
  'progress.none': 'No changes recorded yet.',
  'progress.water_start': 'Piped-water rate before the first change: {p}',
  'progress.edits': '{n} changes',
  'progress.canals': 'Canals',
  'progress.completed': 'completed',
  'progress.started': 'started',
  'progress.parcels': 'Clearance',
  'progress.contrib': 'Contributions',
  'progress.water': 'Piped water',
  'progress.points': '{d} points',
  'progress.c.land_pledged_m2': 'Land pledged',
  'progress.c.land_donated_m2': 'Land donated',
  'progress.c.labour_pledged_days': 'Labour pledged',
  'progress.c.labour_done_days': 'Labour done',
  'progress.c.money_pledged_vnd': 'Money pledged',
  'progress.c.money_paid_vnd': 'Money paid',

  'f.land_pledged_m2': 'Land pledged',
  'f.land_donated_m2': 'Land donated',
  'f.labour_pledged_days': 'Labour pledged',
  'f.labour_done_days': 'Labour done',
  'f.money_pledged_vnd': 'Money pledged',
  'f.money_paid_vnd': 'Money paid',

  'feature.village': 'Village',
  'feature.canal': 'Canal',
  'feature.parcel': 'Parcel',
  'feature.flood_zone': 'Flood zone',
  'feature.household': 'Household',

  'unit.m': 'm',
  'unit.m2': 'm²',
  'unit.days': 'days',
  'unit.people': 'people',
  'unit.vnd': 'VND',
  'unit.households': 'households',
  'yes': 'Yes',
  'no': 'No',

  'status.canal.existing': 'Existing',
  'status.canal.completed': 'Completed',
  'status.canal.under_construction': 'Under construction',
  'status.canal.planned': 'Planned (approved)',
  'status.canal.proposed': 'Proposed',
  'status.canal_short.existing': 'Existing',
  'status.canal_short.completed': 'Completed',
  'status.canal_short.under_construction': 'Under construction',
  'status.canal_short.planned': 'Planned',
  'status.canal_short.proposed': 'Proposed',
  'status.clearance_short.cleared': 'Cleared',
  'status.clearance.not_required': 'Not required',
  'status.clearance.awaiting': 'Not yet agreed',
  'status.clearance.agreed': 'Agreed',
  'status.clearance.donated': 'Land donated',
  'status.clearance.compensated': 'Compensated',
  'status.clearance.cleared': 'Cleared',
  'status.water.not_registered': 'Not registered',
  'status.water.registered': 'Registered',
  'status.water.connected': 'Connected',
  'status.fence.wall': 'Wall',
  'status.fence.fence': 'Fence',
  'status.fence.hedge': 'Hedge',
  'status.fence.none': 'None',
  'status.frequency.yearly': 'Every year',
  'status.frequency.annual': 'Every year',
  'status.frequency.every_rain': 'Every heavy rain',
  'status.frequency.heavy_rain': 'In heavy rain',
  'status.frequency.seasonal': 'Every rainy season',
  'status.frequency.several_per_year': 'Several times a year',
  'status.frequency.occasional': 'Occasionally',
  'status.lining.concrete': 'Concrete',
  'status.lining.brick': 'Brick',
  'status.lining.stone': 'Stone',
  'status.lining.earth': 'Earth',
  'status.lining.none': 'Unlined',
  'status.funding.socialised': 'Socialised (residents)',
  'status.funding.socialized': 'Socialised (residents)',
  'status.funding.state': 'State budget',
  'status.funding.budget': 'Budget',
  'status.funding.mixed': 'Mixed',
};

export const DICTS = { vi, en };

const LOCALES = { vi: 'vi-VN', en: 'en' };

let lang = 'vi';

export function getLang() {
  return lang;
}

export function setLang(l) {
  lang = LANGS.includes(l) ? l : 'vi';
  document.documentElement.lang = lang;
  return lang;
}

/** The string for `key` in the current language, with `{name}` placeholders filled. */
export function t(key, params) {
  let s = DICTS[lang][key] ?? DICTS.vi[key] ?? key;
  if (params) {
    s = s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
  }
  return s;
}

/** An enumerated value of the API (`kind` is canal, clearance, water, fence, …). */
export function tStatus(kind, value) {
  if (value === null || value === undefined || value === '') return '—';
  const key = `status.${kind}.${value}`;
  const found = DICTS[lang][key] ?? DICTS.vi[key];
  if (found) return found;
  // A short form (`canal_short`) falls back to the full one.
  if (kind.endsWith('_short')) return tStatus(kind.slice(0, -6), value);
  return String(value).replace(/_/g, ' ');
}

/** Which group of `status.*` keys translates each enumerated property of the layers. */
const VALUE_KIND = {
  status: 'canal', clearance_status: 'clearance', water_status: 'water', fence_type: 'fence',
  funding: 'funding', lining: 'lining', frequency: 'frequency',
};

/** A property's value as the page shows it when the property is enumerated, else null. */
export function tValue(property, value) {
  return VALUE_KIND[property] ? tStatus(VALUE_KIND[property], value) : null;
}

const fmtCache = new Map();
function nf(digits) {
  const k = `${lang}:${digits}`;
  if (!fmtCache.has(k)) {
    fmtCache.set(
      k,
      new Intl.NumberFormat(LOCALES[lang], {
        minimumFractionDigits: 0,
        maximumFractionDigits: digits,
      }),
    );
  }
  return fmtCache.get(k);
}

/** A number with at most `digits` decimals: 1.686 and 1.234,6 in Vietnamese. */
export function fmtNum(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return '—';
  return nf(digits).format(Number(n));
}

/** A rate (0.418) as a percentage with one decimal: 41,8 % in Vietnamese, 41.8% in English. */
export function fmtPct(rate, digits = 1) {
  if (rate === null || rate === undefined || Number.isNaN(Number(rate))) return '—';
  const s = new Intl.NumberFormat(LOCALES[lang], {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(Number(rate) * 100);
  return lang === 'vi' ? `${s}\u00a0%` : `${s}%`;
}

/** A length in metres, with a decimal below 100 m. */
export function fmtLen(m) {
  return fmtNum(m, Math.abs(m) < 100 ? 1 : 0);
}

/** An area in m², with a decimal below 100 m². */
export function fmtArea(m2) {
  return fmtNum(m2, Math.abs(m2) < 100 ? 1 : 0);
}

/** A date string (YYYY-MM-DD) in the language's short form. */
export function fmtDate(s) {
  if (!s) return '—';
  const d = new Date(`${s}`.length === 10 ? `${s}T00:00:00` : s);
  if (Number.isNaN(d.getTime())) return String(s);
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'medium' }).format(d);
}

/** A timestamp (RFC 3339) as a short local date and time: 28/11/2026, 20:33 in Vietnamese. */
export function fmtDateTime(s) {
  if (!s) return '—';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'short', timeStyle: 'short' }).format(d);
}

/** A month (YYYY-MM): "Tháng 11/2026" in Vietnamese, "Nov 2026" in English. */
export function fmtMonth(s) {
  const m = /^(\d{4})-(\d{2})$/.exec(String(s || ''));
  if (!m) return String(s ?? '—');
  if (lang === 'vi') return `Tháng ${Number(m[2])}/${m[1]}`;
  return new Intl.DateTimeFormat(LOCALES[lang], { month: 'short', year: 'numeric' }).format(new Date(Number(m[1]), Number(m[2]) - 1, 1));
}

/** Applies the dictionary to every element carrying data-i18n (text) or data-i18n-title. */
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll('[data-i18n-title]')) {
    el.title = t(el.dataset.i18nTitle);
  }
  for (const el of root.querySelectorAll('[data-i18n-aria]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nAria));
  }
}
