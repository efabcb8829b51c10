<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
    <context>
        <name>CityTwinAlgorithm</name>
        <message>
            <location filename="../processing/qgis_algorithm.py" line="28" />
            <source>Digital base</source>
            <translation>数字底座</translation>
        </message>
        <message>
            <location filename="../processing/qgis_algorithm.py" line="29" />
            <source>Real-scene 3D</source>
            <translation>实景三维</translation>
        </message>
        <message>
            <location filename="../processing/qgis_algorithm.py" line="30" />
            <source>Subsidence monitoring</source>
            <translation>地面沉降监测</translation>
        </message>
        <message>
            <location filename="../processing/qgis_algorithm.py" line="31" />
            <source>Carbon monitoring</source>
            <translation>碳排放管理</translation>
        </message>
        <message>
            <location filename="../processing/qgis_algorithm.py" line="32" />
            <source>Navigation &amp; communication</source>
            <translation>通导融合分析</translation>
        </message>
        <message>
            <location filename="../processing/qgis_algorithm.py" line="114" />
            <source>Canceled: no output was written.</source>
            <translation>已取消：未写入任何输出。</translation>
        </message>
        <message>
            <location filename="../processing/qgis_algorithm.py" line="88" />
            <source>This algorithm needs the Python package(s) {names}, which are not installed in the Python of this QGIS. Install them from the CityTwin menu (Install missing packages…) or with: {command}</source>
            <translation>此算法需要 Python 软件包 {names}，但当前 QGIS 的 Python 中未安装。请通过 CityTwin 菜单（安装缺失的软件包…）安装，或运行：{command}</translation>
        </message>
    </context>
    <context>
        <name>CityTwinPlugin</name>
        <message>
            <location filename="../plugin.py" line="72" />
            <source>&amp;CityTwin</source>
            <translation>城市孪生(&amp;C)</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="183" />
            <source>CityTwin</source>
            <translation>城市孪生 CityTwin</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="87" />
            <source>Digital Base Panel</source>
            <translation>数字底座面板</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="88" />
            <source>Show or hide the CityTwin Digital Base panel</source>
            <translation>显示或隐藏 CityTwin 数字底座面板</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="90" />
            <source>Point Cloud Information…</source>
            <translation>点云信息…</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="94" />
            <source>Install Missing Packages…</source>
            <translation>安装缺失的软件包…</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="197" />
            <source>About CityTwin</source>
            <translation>关于 CityTwin</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="135" />
            <source>Missing Python packages: {names}. Point-cloud, 3D and monitoring tools need them.</source>
            <translation>缺少 Python 软件包：{names}。点云、三维和监测工具需要它们。</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="141" />
            <source>Install…</source>
            <translation>安装…</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="158" />
            <source>All required Python packages are installed.</source>
            <translation>所需的 Python 软件包均已安装。</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="178" />
            <source>The Python packages were installed.</source>
            <translation>Python 软件包已安装。</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="178" />
            <source>Some packages could not be installed: {names}</source>
            <translation>部分软件包未能安装：{names}</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="197" />
            <source>CityTwin {version}

{about}

{homepage}</source>
            <translation>CityTwin {version}

{about}

主页：{homepage}</translation>
        </message>
    </context>
    <context>
        <name>DependencyInstallDialog</name>
        <message>
            <location filename="../ui/install_dialog.py" line="56" />
            <source>CityTwin — Install Python packages</source>
            <translation>CityTwin — 安装 Python 软件包</translation>
        </message>
        <message>
            <location filename="../ui/install_dialog.py" line="129" />
            <source>Ready.</source>
            <translation>就绪。</translation>
        </message>
        <message>
            <location filename="../ui/install_dialog.py" line="141" />
            <source>Install</source>
            <translation>安装</translation>
        </message>
        <message>
            <location filename="../ui/install_dialog.py" line="182" />
            <source>Installing…</source>
            <translation>正在安装…</translation>
        </message>
        <message>
            <location filename="../ui/install_dialog.py" line="191" />
            <source>Canceled by the user.</source>
            <translation>已被用户取消。</translation>
        </message>
        <message>
            <location filename="../ui/install_dialog.py" line="211" />
            <source>Collecting {name}…</source>
            <translation>正在获取 {name}…</translation>
        </message>
        <message>
            <location filename="../ui/install_dialog.py" line="214" />
            <source>Installing collected packages…</source>
            <translation>正在安装已获取的软件包…</translation>
        </message>
        <message>
            <location filename="../ui/install_dialog.py" line="218" />
            <source>pip could not be started.</source>
            <translation>无法启动 pip。</translation>
        </message>
        <message>
            <location filename="../ui/install_dialog.py" line="232" />
            <source>Installed: {names}. They are ready to use.</source>
            <translation>已安装：{names}，现在即可使用。</translation>
        </message>
        <message>
            <location filename="../ui/install_dialog.py" line="238" />
            <source>pip ended with code {code}; still missing: {names}. See the log above.</source>
            <translation>pip 结束，返回码 {code}；仍缺少：{names}。请查看上方日志。</translation>
        </message>
        <message>
            <location filename="../ui/install_dialog.py" line="238" />
            <source>none</source>
            <translation>无</translation>
        </message>
        <message>
            <location filename="../ui/install_dialog.py" line="108" />
            <source>Note: {names} must use the PROJ, GEOS and GDAL libraries of your QGIS; their PyPI builds bundle other copies that crash QGIS. pip will build them from source, which needs a compiler and the -dev packages. Simpler: install your distribution's packages (on Debian/Ubuntu: {apt}) and click Install again.</source>
            <translation>注意：{names} 必须使用与 QGIS 相同的 PROJ、GEOS 和 GDAL 库；它们在 PyPI 上的构建自带另一套库副本，会导致 QGIS 崩溃。pip 将从源码构建它们，这需要编译器和相应的 -dev 开发包。更简单的做法：安装发行版提供的软件包（Debian/Ubuntu：{apt}），然后再次点击“安装”。</translation>
        </message>
        <message>
            <location filename="../ui/install_dialog.py" line="70" />
            <source>CityTwin will install these packages with pip into a folder of your QGIS profile ({folder}); your system Python is not changed, and deleting the folder undoes the installation.</source>
            <translation>CityTwin 将使用 pip 把以下软件包安装到您的 QGIS 配置文件夹（{folder}）中；系统 Python 不会被修改，删除该文件夹即可撤销安装。</translation>
        </message>
    </context>
    <context>
        <name>DigitalBaseDock</name>
        <message>
            <location filename="../ui/dock.py" line="54" />
            <source>CityTwin — Digital Base</source>
            <translation>CityTwin — 数字底座</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="87" />
            <source>Install…</source>
            <translation>安装…</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="94" />
            <source>Point cloud information…</source>
            <translation>点云信息…</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="110" />
            <source>Navigation</source>
            <translation>导航</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="111" />
            <source>Communication</source>
            <translation>通信</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="112" />
            <source>Remote sensing</source>
            <translation>遥感</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="113" />
            <source>Real-scene 3D</source>
            <translation>实景三维</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="114" />
            <source>Monitoring</source>
            <translation>监测</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="155" />
            <source>Project: {name}</source>
            <translation>项目：{name}</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="155" />
            <source>(unsaved)</source>
            <translation>（未保存）</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="157" />
            <source>Base CRS: not set</source>
            <translation>底座坐标系：未设置</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="161" />
            <source>Base CRS: {authid} — {name}</source>
            <translation>底座坐标系：{authid} — {name}</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="163" />
            <source>(not a CGCS2000 Gauss-Krüger zone)</source>
            <translation>（不是 CGCS2000 高斯-克吕格投影带）</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="166" />
            <source>Time axis: not set</source>
            <translation>时间轴：未设置</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="168" />
            <source>Time axis: {start} – {end}</source>
            <translation>时间轴：{start} – {end}</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="171" />
            <source>Other layers: {n}</source>
            <translation>其他图层：{n}</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="180" />
            <source>{section} ({n})</source>
            <translation>{section}（{n}）</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="193" />
            <source>No layers yet</source>
            <translation>暂无图层</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="208" />
            <source>Missing Python packages: {names}</source>
            <translation>缺少 Python 软件包：{names}</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="213" />
            <source>Python packages: all available</source>
            <translation>Python 软件包：全部可用</translation>
        </message>
    </context>
    <context>
        <name>PointCloudInfoAlgorithm</name>
        <message>
            <location filename="../processing/algorithms/point_cloud_info.py" line="107" />
            <source>Point cloud information</source>
            <translation>点云信息</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/point_cloud_info.py" line="80" />
            <source>las,laz,copc,lidar,header,metadata,crs,classification</source>
            <translation>las,laz,copc,激光雷达,文件头,元数据,坐标系,分类</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/point_cloud_info.py" line="83" />
            <source>Reads the header of a LAS 1.0–1.4, LAZ or COPC point-cloud file (with laspy) and writes a one-row table: format and version, point format, point count and returns, bounds (x/y/z min and max, in the units of the file's CRS), scale factors, the CRS records found (WKT, GeoTIFF keys, both, or none: a missing CRS is reported, never guessed), RGB, extra-bytes dimensions, GPS time type, software and creation date.

With 'Count points per class' the points are streamed in chunks of one million and counted per ASPRS classification code (the 'classes' field, code:count pairs); memory stays bounded whatever the file size.</source>
            <translation>使用 laspy 读取 LAS 1.0–1.4、LAZ 或 COPC 点云文件的文件头，并输出一行表格：格式与版本、点格式、点数与回波数、范围（x/y/z 最小值与最大值，单位为文件坐标系的单位）、缩放系数、找到的坐标系记录（WKT、GeoTIFF 键、两者皆有或没有：缺失的坐标系会被报告，绝不猜测）、RGB、额外字节维度、GPS 时间类型、生成软件与创建日期。

勾选“按类别统计点数”时，点以每块一百万点的方式流式读取，并按 ASPRS 分类代码计数（“classes”字段，格式为 代码:点数）；无论文件多大，内存占用都保持有界。</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/point_cloud_info.py" line="96" />
            <source>Point cloud file</source>
            <translation>点云文件</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/point_cloud_info.py" line="96" />
            <source>Point clouds (*.las *.laz *.LAS *.LAZ);;All files (*.*)</source>
            <translation>点云 (*.las *.laz *.LAS *.LAZ);;所有文件 (*.*)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/point_cloud_info.py" line="104" />
            <source>Count points per class</source>
            <translation>按类别统计点数</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/point_cloud_info.py" line="114" />
            <source>Point count</source>
            <translation>点数</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/point_cloud_info.py" line="115" />
            <source>CRS (authority id or name)</source>
            <translation>坐标系（机构代码或名称）</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/point_cloud_info.py" line="116" />
            <source>File format</source>
            <translation>文件格式</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/point_cloud_info.py" line="128" />
            <source>No point cloud file was given.</source>
            <translation>未指定点云文件。</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/point_cloud_info.py" line="136" />
            <source>{file}: {message}</source>
            <translation>{file}：{message}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/point_cloud_info.py" line="137" />
            <source>{file}: {format} {version}, point format {pf}, {count} points</source>
            <translation>{file}：{format} {version}，点格式 {pf}，共 {count} 个点</translation>
        </message>
    </context>
</TS>
